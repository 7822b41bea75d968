/* defs.h — functions shared between kernel files (one section per file, as in xv6). */
#ifndef DEFS_H
#define DEFS_H
#include "types.h"

struct trapframe;
struct proc;
struct mb_info;

#define KERNEL_VERSION "0.1"

/* lib.c */
void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *safestrcpy(char *dst, const char *src, size_t n);
uint32_t div64_u32(uint64_t *n, uint32_t base);
uint32_t popcount32(uint32_t v);

typedef __builtin_va_list va_list;

/* printk.c */
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int ksnprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

/* console.c */
#define LINE_COM1 0
#define LINE_COM2 1
#define NLINES    2
#define KLOG_COM1     0
#define KLOG_DEBUGCON 1
#define KLOG_NONE     2
extern int klog_target;
void console_init(void);
void console_enable_irq(void);
void serial_write(int line, const char *s, size_t n, int onlcr);
void klog_putc(int c);
void console_intr(void);
int console_getkey(void);
int console_read(char *dst, size_t n, int canonical);
int console_readable(void);

/* main.c */
void machine_exit(uint32_t status) __attribute__((noreturn));
void idle_wait(void);
#define KPANIC_EXIT_STATUS 0x55   /* debug-exit status of a kernel panic: QEMU exits with 0xab */

/* panic.c */
void panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
void panic_trapframe(const char *what, const struct trapframe *tf) __attribute__((noreturn));
void backtrace(uint32_t ebp);

/* kalloc.c */
extern uint32_t phystop;
void kinit_begin(void);
void kinit_add_ram(uint64_t start, uint64_t end);
void kinit_reserve(uint32_t start, uint32_t end);
uint32_t kalloc_frame(void);
void *kalloc_zeroed(void);
void kfree_frame(uint32_t pa);
uint32_t kmem_free_pages(void);
uint32_t kmem_total_pages(void);

/* vm.c */
extern pde_t *kpgdir;
void kvm_init(void);
void switchkvm(void);
pde_t *setupuvm(void);
pte_t *vm_pte(pde_t *pgdir, uint32_t va);
int mappages(pde_t *pgdir, uint32_t va, uint32_t size, uint32_t pa, uint32_t perm);
int kaddr_mapped(uint32_t va);
uint32_t kstack_alloc(void);
void kstack_free(uint32_t top);
int uvm_alloc(pde_t *pgdir, uint32_t start, uint32_t end, uint32_t perm);
int uvm_map_shared(pde_t *pgdir, uint32_t va, uint32_t pa, uint32_t len);
void uvm_free(pde_t *pgdir, uint32_t start, uint32_t end);
void uvm_protect(pde_t *pgdir, uint32_t start, uint32_t end, uint32_t perm);
int uvm_range_mapped(pde_t *pgdir, uint32_t start, uint32_t end, int want_mapped);
void freeuvm(pde_t *pgdir);
int copyout(pde_t *pgdir, uint32_t va, const void *src, uint32_t len);

/* uaccess.c */
uint32_t search_exception_table(uint32_t eip);
int access_ok(uint32_t addr, uint32_t len);
int copy_from_user(void *dst, const void __user *src, uint32_t len);
int copy_to_user(void __user *dst, const void *src, uint32_t len);
uint32_t copy_from_user_partial(void *dst, const void __user *src, uint32_t len);
int strncpy_from_user(char *dst, const char __user *src, uint32_t n);
int get_user32(uint32_t *val, uint32_t __user addr);
int put_user32(uint32_t __user addr, uint32_t val);

/* trap.c */
void trap(struct trapframe *tf);
void debug_task_handler(void);
const char *trap_name(uint32_t trapno);

/* strace.c */
void strace_call(uint32_t nr, const uint32_t *args, long ret);
void strace_noreturn(uint32_t nr, const uint32_t *args);
void strace_exit(int status, int signo);

/* syscall.c */
extern int syscall_trace;
void syscall(struct trapframe *tf, int path);
const char *entry_path_name(int path);
int entry_paths_available(void);

/* timer.c */
#define HZ 100
#define NS_PER_TICK (1000000000u / HZ)
void timer_init(void);
void timer_intr(void);
uint64_t uptime_ns(void);
void sleep_until(uint64_t deadline_ns);

/* rtc.c */
uint32_t rtc_read_epoch(void);

/* arch/x86/pic.c */
void pic_init(void);
void pic_enable(int irq);
void pic_eoi(int irq);
int pic_spurious(int irq);

#endif
