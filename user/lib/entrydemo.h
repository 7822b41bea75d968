#ifndef ENTRYDEMO_H
#define ENTRYDEMO_H
typedef long (*syscall_stub)(long nr, long a1, long a2, long a3, long a4, long a5, long a6);
int entry_demo(int path, syscall_stub sys);
#endif
