/* types.h — fixed-width types for user programs (the same names the kernel's uapi headers use). */
#ifndef ULIB_TYPES_H
#define ULIB_TYPES_H
typedef unsigned char      uint8_t;
typedef unsigned short     uint16_t;
typedef unsigned int       uint32_t;
typedef unsigned long long uint64_t;
typedef signed char        int8_t;
typedef short              int16_t;
typedef int                int32_t;
typedef long long          int64_t;
typedef uint32_t           uintptr_t;
typedef uint32_t           size_t;
typedef int32_t            ssize_t;
#define NULL ((void *)0)
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#endif
