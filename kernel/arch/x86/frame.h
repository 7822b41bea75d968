/* frame.h — the kernel-entry frame, declared once for C and assembler.
 *
 * Every way into the kernel (exception, interrupt, int $0x80, SYSENTER, SYSCALL) leaves this
 * frame on the kernel stack, drawn the way the classic kernel-entry slides draw it
 * (higher addresses first):
 *
 *        +------------+
 *   0x48 |     SS     |  \  pushed by the processor only when it changes privilege
 *   0x44 |    ESP     |  /  (SDM Vol. 3A §6.12.1, Figure 6-4)
 *   0x40 |   EFLAGS   |  \
 *   0x3c |     CS     |   | pushed by the processor on every interrupt or exception
 *   0x38 |    EIP     |  /
 *   0x34 |   vector   |  \  pushed by the entry stub (vectors.S). When the processor pushed an
 *   0x30 | error code |  /  error code the stub moves it one slot down; otherwise it pushes 0
 *   0x2c |     DS     |  \
 *   0x28 |     ES     |   | pushed by alltraps (trapentry.S); only the low 16 bits are
 *   0x24 |     FS     |   | meaningful (SDM Vol. 2B PUSH: a segment push may write 16 bits)
 *   0x20 |     GS     |  /
 *   0x1c |    EAX     |  \
 *   0x18 |    ECX     |   |
 *   0x14 |    EDX     |   |
 *   0x10 |    EBX     |   | PUSHAL (SDM Vol. 2B PUSHA/PUSHAD)
 *   0x0c | (ESP, unused) |
 *   0x08 |    EBP     |   |
 *   0x04 |    ESI     |   |
 *   0x00 |    EDI     |  /   <- %esp, the struct trapframe * handed to trap()
 *        +------------+
 */
#ifndef ARCH_X86_FRAME_H
#define ARCH_X86_FRAME_H

#define TF_EDI     0x00
#define TF_ESI     0x04
#define TF_EBP     0x08
#define TF_OESP    0x0c
#define TF_EBX     0x10
#define TF_EDX     0x14
#define TF_ECX     0x18
#define TF_EAX     0x1c
#define TF_GS      0x20
#define TF_FS      0x24
#define TF_ES      0x28
#define TF_DS      0x2c
#define TF_ERR     0x30
#define TF_TRAPNO  0x34
#define TF_EIP     0x38
#define TF_CS      0x3c
#define TF_EFLAGS  0x40
#define TF_ESP     0x44
#define TF_SS      0x48
#define TF_SIZE    0x4c   /* full frame, with the user SS:ESP */
#define TF_KSIZE   0x44   /* frame of a kernel-mode trap: no SS:ESP */

#ifndef __ASSEMBLER__
#include "types.h"

struct trapframe {
  /* pushal */
  uint32_t edi, esi, ebp;
  uint32_t oesp;          /* ESP as pushal saw it: ignored */
  uint32_t ebx, edx, ecx, eax;
  /* segment registers (low 16 bits) */
  uint32_t gs, fs, es, ds;
  /* the stub's two words */
  uint32_t err;           /* error code, or 0 */
  uint32_t trapno;        /* vector, or T_SYSENTER / T_SYSCALLI */
  /* the processor's frame */
  uint32_t eip, cs, eflags;
  uint32_t esp, ss;       /* valid only when (cs & 3) != 0 */
};

_Static_assert(offsetof(struct trapframe, edi) == TF_EDI, "TF_EDI");
_Static_assert(offsetof(struct trapframe, esi) == TF_ESI, "TF_ESI");
_Static_assert(offsetof(struct trapframe, ebp) == TF_EBP, "TF_EBP");
_Static_assert(offsetof(struct trapframe, oesp) == TF_OESP, "TF_OESP");
_Static_assert(offsetof(struct trapframe, ebx) == TF_EBX, "TF_EBX");
_Static_assert(offsetof(struct trapframe, edx) == TF_EDX, "TF_EDX");
_Static_assert(offsetof(struct trapframe, ecx) == TF_ECX, "TF_ECX");
_Static_assert(offsetof(struct trapframe, eax) == TF_EAX, "TF_EAX");
_Static_assert(offsetof(struct trapframe, gs) == TF_GS, "TF_GS");
_Static_assert(offsetof(struct trapframe, fs) == TF_FS, "TF_FS");
_Static_assert(offsetof(struct trapframe, es) == TF_ES, "TF_ES");
_Static_assert(offsetof(struct trapframe, ds) == TF_DS, "TF_DS");
_Static_assert(offsetof(struct trapframe, err) == TF_ERR, "TF_ERR");
_Static_assert(offsetof(struct trapframe, trapno) == TF_TRAPNO, "TF_TRAPNO");
_Static_assert(offsetof(struct trapframe, eip) == TF_EIP, "TF_EIP");
_Static_assert(offsetof(struct trapframe, cs) == TF_CS, "TF_CS");
_Static_assert(offsetof(struct trapframe, eflags) == TF_EFLAGS, "TF_EFLAGS");
_Static_assert(offsetof(struct trapframe, esp) == TF_ESP, "TF_ESP");
_Static_assert(offsetof(struct trapframe, ss) == TF_SS, "TF_SS");
_Static_assert(sizeof(struct trapframe) == TF_SIZE, "TF_SIZE");

static inline int tf_from_user(const struct trapframe *tf) { return (tf->cs & 3) == 3; }
#endif

#endif
