/*
 * main.c — the protection test kernel: builds a GDT, LDT, IDT, TSS and page tables of its own,
 * then runs each case in cases[] and prints one line per case on port 0xE9:
 *
 *   case NAME: OUTCOME DETAILS
 *
 * OUTCOME is "ok" (the snippet reached INT T_DONE) or the exception the processor delivered,
 * "#GP(err)" with its error code, "#PF(err) cr2=…". Addresses print against the nearest snippet
 * or data label ("s_lret+0x0", "ustack+0xf00"), so the transcript is the same for the same
 * source, whatever moves in the image. Every stack a case uses is filled with 0xa5a5a5a5 first:
 * a 16-bit write into a 32-bit slot shows as a5a5 in the upper half.
 *
 * The same ELF is booted by GRUB on Bochs and by trapgate's multiboot loader; the kernel makes
 * no use of what either hands over beyond the entry itself.
 */
#include "x86.h"

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;

#define ALIGNED(n) __attribute__((aligned(n)))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------------------------------------ */
/* Hardware access                                                                             */
/* ------------------------------------------------------------------------------------------ */

static inline void outb(u16 port, u8 v) { __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port)); }
static inline u32 read_cr0(void) { u32 v; __asm__ volatile("mov %%cr0, %0" : "=r"(v)); return v; }
static inline void write_cr0(u32 v) { __asm__ volatile("mov %0, %%cr0" ::"r"(v) : "memory"); }
static inline void write_cr3(u32 v) { __asm__ volatile("mov %0, %%cr3" ::"r"(v) : "memory"); }
static inline void write_cr4(u32 v) { __asm__ volatile("mov %0, %%cr4" ::"r"(v) : "memory"); }
static inline void write_dr6(u32 v) { __asm__ volatile("mov %0, %%dr6" ::"r"(v)); }
static inline void write_dr7(u32 v) { __asm__ volatile("mov %0, %%dr7" ::"r"(v)); }
static inline void write_dr0(u32 v) { __asm__ volatile("mov %0, %%dr0" ::"r"(v)); }
static inline void write_dr1(u32 v) { __asm__ volatile("mov %0, %%dr1" ::"r"(v)); }
static inline void lidt(const void *p) { __asm__ volatile("lidt (%0)" ::"r"(p) : "memory"); }
static inline void wrmsr(u32 msr, u32 lo) { __asm__ volatile("wrmsr" ::"c"(msr), "a"(lo), "d"(0)); }
static inline void ltr(u16 sel) { __asm__ volatile("ltr %0" ::"r"(sel)); }
static inline void lldt(u16 sel) { __asm__ volatile("lldt %0" ::"r"(sel)); }

struct pseudo_desc { u16 limit; u32 base; } __attribute__((packed));

/* A segment or gate descriptor: two dwords (SDM Vol. 3A Figure 3-8, Figure 5-8). */
struct desc { u32 lo, hi; };

/* Code/data or system segment descriptor: access byte = P DPL S Type; flags = G D/B 0 AVL. */
static struct desc seg(u32 base, u32 limit, u32 access, u32 flags) {
  struct desc d;
  d.lo = (limit & 0xffff) | (base << 16);
  d.hi = ((base >> 16) & 0xff) | (access << 8) | (limit & 0xf0000) | (flags << 20) | (base & 0xff000000);
  return d;
}
/* Call, interrupt, trap or task gate. */
static struct desc gate(u16 sel, u32 offset, u32 type, u32 dpl, u32 params, int present) {
  struct desc d;
  d.lo = (offset & 0xffff) | ((u32)sel << 16);
  d.hi = (offset & 0xffff0000) | (((present ? DESC_P : 0) | DESC_DPL(dpl) | type) << 8) | (params & 0x1f);
  return d;
}
#define CODE(dpl)  (DESC_P | DESC_DPL(dpl) | DESC_S | TYPE_CODE | TYPE_CODE_READ | TYPE_ACCESSED)
#define DATA(dpl)  (DESC_P | DESC_DPL(dpl) | DESC_S | TYPE_DATA_RW | TYPE_ACCESSED)

/* 32-bit TSS (SDM Vol. 3A Figure 7-2) with an I/O permission bitmap for ports 0–0x3FF. */
struct tss32 {
  u32 link, esp0, ss0, esp1, ss1, esp2, ss2, cr3, eip, eflags, eax, ecx, edx, ebx, esp, ebp, esi, edi;
  u32 es, cs, ss, ds, fs, gs, ldt;
  u16 trap, iomap_base;
  u8 iomap[128];
  u8 iomap_end;   /* 0xFF: the byte after the bitmap (SDM Vol. 1 §19.5.2) */
} __attribute__((packed));
#define TSS_IOMAP_OFFSET 104

/* ------------------------------------------------------------------------------------------ */
/* Memory the cases use                                                                        */
/* ------------------------------------------------------------------------------------------ */

/* Page-sized stacks whose tops sit 0x100 below the end of the page (see boot.S). */
#define STACK_TOP(s) ((u32)(s) + 0xf00)
extern u8 case_stack[], case_stack_top[];
static u8 trap_stack[4096] ALIGNED(4096);    /* TSS ESP0 */
static u8 ustack[4096] ALIGNED(4096);        /* ring 3 */
static u8 r1stack[4096] ALIGNED(4096);       /* ring 1 (TSS ESP1) */
static u8 r2stack[4096] ALIGNED(4096);       /* ring 2 (TSS ESP2) */
static u8 sysstack[4096] ALIGNED(4096);      /* IA32_SYSENTER_ESP */
static u8 ulim_area[0x3000] ALIGNED(4096);   /* base of SEL_USTK_LIM (limit 0x1FFF) */
static u8 ued_area[0x3000] ALIGNED(4096);    /* SEL_USTK_ED base = ued_area + 0x1000 */
static u8 u16_area[0x11000] ALIGNED(4096);   /* base of SEL_USTK16 (B = 0, limit 0xFFFF) */
static u8 ldt2_area[0x1000] ALIGNED(4096);   /* base of LDT entry 2 */
static u8 scratch[0x1000] ALIGNED(4096);     /* buffers the snippets write */
static u32 marker = 0x600dcafe;              /* a value the LDT-selector cases read */

static struct desc gdt[GDT_ENTRIES] ALIGNED(8);
static struct desc gdt_saved[GDT_ENTRIES];
static struct desc ldt[LDT_ENTRIES] ALIGNED(8);
static struct desc idt[IDT_ENTRIES] ALIGNED(8);
static struct desc idt_saved[IDT_ENTRIES];
static struct tss32 tss ALIGNED(128);
static struct tss32 tss_busy ALIGNED(128);   /* only described by SEL_TSS_BUSY */
static struct tss32 tss2 ALIGNED(128);       /* the second task (SEL_TSS2, SEL_TASKGATE2) */
static u8 t2stack[4096] ALIGNED(4096);       /* its stack */
static u8 tss16[0x2c] ALIGNED(16);           /* only described by SEL_TSS16 */
static struct pseudo_desc gdtr, idtr;

/* Paging: 0–8 MiB identity (user, writable), TEST_LINEAR: 4 test pages, PSE_LINEAR: a 4 MiB
 * page, 0xFFFFF000: wrap_frame. */
static u32 pd[1024] ALIGNED(4096);
static u32 pt_low[2][1024] ALIGNED(4096);
static u32 pt_test[1024] ALIGNED(4096);
static u32 pt_high[1024] ALIGNED(4096);
static u8 test_frames[4][4096] ALIGNED(4096);
static u8 wrap_frame[4096] ALIGNED(4096);
#define CR0_BASE (CR0_PG | CR0_ET | CR0_PE)

/* The snippets (snippets.S) and the trap stubs (boot.S). */
#define SNIPPETS(X) \
  X(s_done) X(s_read1) X(s_read2) X(s_read4) X(s_write1) X(s_write4) X(s_jmp_eax) X(s_mov_ds) \
  X(s_mov_ss) X(s_mov_ds_read) X(s_lds_use) X(s_read_ebp) X(s_read_ds_ebp) X(s_read_esp) X(s_push) \
  X(s_lret) X(s_lret8) X(s_iret) X(s_lcall_ind) X(s_ljmp_ind) X(s_cg32_call) X(s_cg16_call) \
  X(s_cg32r_call) X(cg32_target) X(cg32_ret_target) X(conf_fn) X(cg16_target) X(ig16_target) \
  X(r1_handler) X(codelim_area) X(s_int41) X(s_int3) X(s_int_3) X(s_into) X(s_icebp) X(s_int42) \
  X(s_int43) X(s_int44) X(s_int45) X(s_int0e) X(s_ud2) X(s_tf_plain) X(s_popss_tf) X(s_movss_tf) \
  X(s_lar_all) X(s_lsl_all) X(s_verr_all) X(s_verw_all) X(s_arpl) X(s_arpl_mem) X(s_acc) \
  X(s_sgdt_sidt) X(s_r32) X(s_r16_mem) X(s_push_sreg) X(s_hlt) X(s_cli) X(s_lgdt) X(s_mov_cr0) \
  X(s_invlpg) X(s_rdmsr) X(s_rdtsc) X(s_ltr) X(s_lldt_then_ds) X(s_lmsw) X(s_outb) X(s_outw) \
  X(s_sysenter) X(s_sysexit) X(sysenter_target) X(s_lock_mov) X(s_lock_add_mem) X(s_task_call) \
  X(s_task_jmp) X(t2_call_entry) X(t2_jmp_entry) X(s_pushf_done) X(s_popf) X(s_pop_esp_mem) X(s_pop_esp) \
  X(s_push_esp) X(s_rep_movsb) X(s_rep_stosl) X(s_rmw_add) X(s_rmw_xchg) X(s_rmw_cmpxchg) X(s_rmw_cmpxchg8b) \
  X(s_rmw_bt) X(s_rmw_bts) X(s_mov_cs) X(s_lea_reg) X(s_lss_reg) X(s_mov_cr1) X(s_cmpxchg8b_reg) \
  X(s_cg32_call_bare) X(s_cgr1_call) X(s_cgbad_call) X(s_bp) X(bp_exec) \
  X(t2_err_entry) X(s_int_taskgate) X(s_es_patch_iret) X(s_ds_patch_reload) X(s_bound) \
  X(s_iretw) X(s_lretw) X(s_fninit) X(s_wait) X(s_clts) X(s_wbinvd) X(s_mov_dr7)
#define DECLARE(s) extern u8 s[];
SNIPPETS(DECLARE)
extern u8 trap_stubs[];
extern u32 sysenter_seen[4];
extern u32 task2_seen[3];

/* ------------------------------------------------------------------------------------------ */
/* Output on port 0xE9                                                                         */
/* ------------------------------------------------------------------------------------------ */

static void putch(char c) { outb(0xe9, (u8)c); }
static void puts(const char *s) { while (*s) putch(*s++); }
static void hex(u32 v, int digits) {
  for (int i = digits - 1; i >= 0; i--) putch("0123456789abcdef"[(v >> (i * 4)) & 15]);
}
static void hexmin(u32 v) {
  int d = 1;
  while (d < 8 && (v >> (d * 4)) != 0) d++;
  puts("0x");
  hex(v, d);
}
static void field(const char *name, u32 v, int digits) { putch(' '); puts(name); putch('='); hex(v, digits); }

/* Address → "label+0xN" against the snippet labels and the data areas above. */
struct sym { u32 addr; const char *name; };
extern const struct sym __snip_syms_start[], __snip_syms_end[];
static const struct sym data_syms[] = {
  {(u32)trap_stack, "tstack"}, {(u32)case_stack, "cstack"}, {(u32)ustack, "ustack"},
  {(u32)r1stack, "r1stack"}, {(u32)r2stack, "r2stack"}, {(u32)sysstack, "sysstack"}, {(u32)t2stack, "t2stack"},
  {(u32)ulim_area, "ulim"}, {(u32)ued_area, "ued"}, {(u32)u16_area, "u16"}, {(u32)scratch, "scratch"},
  {TEST_LINEAR, "tlin"}, {PSE_LINEAR, "pselin"}, {0xfffff000, "top4g"},
};
static const struct sym *nearest(u32 v) {
  const struct sym *best = 0;
  for (const struct sym *s = __snip_syms_start; s < __snip_syms_end; s++)
    if (s->addr <= v && (!best || s->addr > best->addr)) best = s;
  for (unsigned i = 0; i < ARRAY_SIZE(data_syms); i++)
    if (data_syms[i].addr <= v && (!best || data_syms[i].addr > best->addr)) best = &data_syms[i];
  return best && v - best->addr < 0x1000 ? best : 0;
}
static void addr(u32 v) {
  const struct sym *s = nearest(v);
  if (!s) { hex(v, 8); return; }
  puts(s->name);
  putch('+');
  hexmin(v - s->addr);
}

/* ------------------------------------------------------------------------------------------ */
/* The harness: enter a snippet, get the trap record back                                      */
/* ------------------------------------------------------------------------------------------ */

/* Filled by trap_common (boot.S) for every trap. */
struct trap_record {
  u32 vector, frame_esp, cr2, ds, es, fs, gs, ss, dr6;
  u32 edi, esi, ebp, esp_, ebx, edx, ecx, eax;   /* PUSHAL order */
  u32 nframe, frame[12];
  u32 handler_eflags;   /* EFLAGS at the handler's first instruction */
};
extern struct trap_record trap_record;
#define rec trap_record

/* What enter() loads (boot.S E_* offsets). */
struct entry { u32 eip, cs, eflags, esp, ss, ds, es, fs, gs, eax, ebx, ecx, edx, esi, edi, ebp; };
extern void enter(const struct entry *e);
static u32 last_entry_esp;

static struct entry ring0(const void *fn) {
  return (struct entry){ .eip = (u32)fn, .cs = SEL_KCODE, .eflags = EFLAGS_R1, .esp = (u32)case_stack_top,
    .ss = SEL_KDATA, .ds = SEL_KDATA, .es = SEL_KDATA, .fs = SEL_KDATA, .gs = SEL_KDATA };
}
static struct entry ring1(const void *fn) {
  u32 d = SEL_R1DATA | 1;
  return (struct entry){ .eip = (u32)fn, .cs = SEL_R1CODE | 1, .eflags = EFLAGS_R1, .esp = STACK_TOP(r1stack),
    .ss = d, .ds = d, .es = d, .fs = d, .gs = d };
}
static struct entry ring3(const void *fn) {
  u32 d = SEL_UDATA | RPL3;
  return (struct entry){ .eip = (u32)fn, .cs = SEL_UCODE | RPL3, .eflags = EFLAGS_R1, .esp = STACK_TOP(ustack),
    .ss = d, .ds = d, .es = d, .fs = d, .gs = d };
}

static void fill32(void *p, u32 v, u32 bytes) { for (u32 i = 0; i < bytes / 4; i++) ((u32 *)p)[i] = v; }
static void copy(void *d, const void *s, u32 n) { for (u32 i = 0; i < n; i++) ((u8 *)d)[i] = ((const u8 *)s)[i]; }

/* Every stack a snippet may push on, filled with 0xa5a5a5a5. */
static void poison(void) {
  fill32(trap_stack, 0xa5a5a5a5, 4096);
  fill32(case_stack, 0xa5a5a5a5, 4096);
  fill32(ustack, 0xa5a5a5a5, 4096);
  fill32(r1stack, 0xa5a5a5a5, 4096);
  fill32(r2stack, 0xa5a5a5a5, 4096);
  fill32(sysstack, 0xa5a5a5a5, 4096);
  fill32(t2stack, 0xa5a5a5a5, 4096);
}

static void apply_pending(void);
static void run(const struct entry *e) {
  apply_pending();
  last_entry_esp = e->esp;
  enter(e);
}

static const char *const vector_names[32] = {
  "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "#CSO", "#TS", "#NP", "#SS", "#GP", "#PF", "#15",
  "#MF", "#AC", "#MC", "#XM", "#VE", "#21", "#22", "#23", "#24", "#25", "#26", "#27", "#28", "#29", "#30", "#31",
};
static int has_error_code(u32 v) { return v == T_DF || (v >= T_TS && v <= T_PF) || v == T_AC; }

/* "ok", or the exception: "#GP(0010)", "#PF(0005) cr2=tlin+0x0". */
static void outcome_short(void) {
  if (rec.vector == T_DONE) { puts("ok"); return; }
  if (rec.vector < 32) puts(vector_names[rec.vector]);
  else { puts("int"); hex(rec.vector, 2); }
  if (rec.vector < 32 && has_error_code(rec.vector)) { putch('('); hex(rec.frame[0], 4); putch(')'); }
  if (rec.vector == T_PF) { puts(" cr2="); addr(rec.cr2); }
}
/* The short outcome, and for an exception the CS:EIP it names. */
static void outcome(void) {
  putch(' ');
  outcome_short();
  if (rec.vector != T_DONE) {
    u32 i = rec.vector < 32 && has_error_code(rec.vector) ? 1 : 0;
    puts(" at="); hex(rec.frame[i + 1], 4); putch(':'); addr(rec.frame[i]);
  }
}

/* The words the processor pushed, from the handler's ESP up to the stack top the case used. */
static void frame(void) {
  u32 top = last_entry_esp;
  if (rec.frame_esp > (u32)trap_stack && rec.frame_esp <= STACK_TOP(trap_stack)) top = STACK_TOP(trap_stack);
  else if (rec.frame_esp > (u32)sysstack && rec.frame_esp <= STACK_TOP(sysstack)) top = STACK_TOP(sysstack);
  else if (rec.frame_esp > (u32)t2stack && rec.frame_esp <= STACK_TOP(t2stack)) top = STACK_TOP(t2stack);
  u32 n = (top - rec.frame_esp + 3) / 4;
  if (n > rec.nframe) n = rec.nframe;
  puts(" frame=[");
  for (u32 i = 0; i < n; i++) {
    if (i) putch(' ');
    addr(rec.frame[i]);
  }
  putch(']');
}
static void segs(void) {
  field("ds", rec.ds, 4); field("es", rec.es, 4); field("fs", rec.fs, 4); field("gs", rec.gs, 4);
}
static void begin(const char *name) { puts("case "); puts(name); putch(':'); }
static void end(void) { putch('\n'); }

/* One probe of a multi-probe line: " label=outcome". */
static void probe(const char *label, const struct entry *e) {
  poison();
  run(e);
  putch(' ');
  puts(label);
  putch('=');
  outcome_short();
}

/* ------------------------------------------------------------------------------------------ */
/* Setup                                                                                       */
/* ------------------------------------------------------------------------------------------ */

static void gdt_init(void) {
  gdt[SEL_KCODE / 8] = seg(0, 0xfffff, CODE(0), DESC_G | DESC_DB);
  gdt[SEL_KDATA / 8] = seg(0, 0xfffff, DATA(0), DESC_G | DESC_DB);
  gdt[SEL_UCODE / 8] = seg(0, 0xfffff, CODE(3), DESC_G | DESC_DB);
  gdt[SEL_UDATA / 8] = seg(0, 0xfffff, DATA(3), DESC_G | DESC_DB);
  gdt[SEL_TSS / 8] = seg((u32)&tss, sizeof tss - 1, DESC_P | SYS_TSS32_AVAIL, 0);
  gdt[SEL_LDT / 8] = seg((u32)ldt, sizeof ldt - 1, DESC_P | SYS_LDT, 0);
  gdt[SEL_R1CODE / 8] = seg(0, 0xfffff, CODE(1), DESC_G | DESC_DB);
  gdt[SEL_R1DATA / 8] = seg(0, 0xfffff, DATA(1), DESC_G | DESC_DB);
  gdt[SEL_R2DATA / 8] = seg(0, 0xfffff, DATA(2), DESC_G | DESC_DB);
  gdt[SEL_KCONF / 8] = seg(0, 0xfffff, CODE(0) | TYPE_CODE_CONF, DESC_G | DESC_DB);
  gdt[SEL_KCONF_XO / 8] = seg(0, 0xfffff, (CODE(0) & ~TYPE_CODE_READ) | TYPE_CODE_CONF, DESC_G | DESC_DB);
  gdt[SEL_KCODE_XO / 8] = seg(0, 0xfffff, CODE(0) & ~TYPE_CODE_READ, DESC_G | DESC_DB);
  gdt[SEL_UDATA_RO / 8] = seg(0, 0xfffff, DATA(3) & ~TYPE_DATA_RW, DESC_G | DESC_DB);
  gdt[SEL_ED_B1 / 8] = seg(SEG_TEST_BASE, 0xfff, DATA(0) | TYPE_DATA_EXPDOWN, DESC_DB);
  gdt[SEL_ED_B0 / 8] = seg(SEG_TEST_BASE, 0xfff, DATA(0) | TYPE_DATA_EXPDOWN, 0);
  gdt[SEL_GRAN / 8] = seg(SEG_TEST_BASE, 1, DATA(0), DESC_G | DESC_DB);
  gdt[SEL_USTK_LIM / 8] = seg((u32)ulim_area, 0x1fff, DATA(3), DESC_DB);
  gdt[SEL_USTK_ED / 8] = seg((u32)ued_area + 0x1000, 0xfff, DATA(3) | TYPE_DATA_EXPDOWN, DESC_DB);
  gdt[SEL_USTK16 / 8] = seg((u32)u16_area, 0xffff, DATA(3), 0);
  gdt[SEL_CGATE32 / 8] = gate(SEL_KCODE, (u32)cg32_target, SYS_CALLGATE32, 3, 2, 1);
  gdt[SEL_CGATE16 / 8] = gate(SEL_CG16CODE, 0, SYS_CALLGATE16, 3, 3, 1);
  gdt[SEL_CG16CODE / 8] = seg((u32)cg16_target, 0xfff, CODE(0), DESC_DB);
  gdt[SEL_CGATE_K / 8] = gate(SEL_KCODE, (u32)cg32_target, SYS_CALLGATE32, 0, 0, 1);
  gdt[SEL_CGATE_NP / 8] = gate(SEL_KCODE, (u32)cg32_target, SYS_CALLGATE32, 3, 0, 0);
  gdt[SEL_CODE_NP / 8] = seg(0, 0xfffff, CODE(0) & ~DESC_P, DESC_G | DESC_DB);
  gdt[SEL_CGATE_TNP / 8] = gate(SEL_CODE_NP, (u32)cg32_target, SYS_CALLGATE32, 3, 0, 1);
  gdt[SEL_CODELIM / 8] = seg((u32)codelim_area, 0x0f, CODE(0), DESC_DB);
  gdt[SEL_DATA_NP / 8] = seg(0, 0xfffff, DATA(3) & ~DESC_P, DESC_G | DESC_DB);
  gdt[SEL_TSS16 / 8] = seg((u32)tss16, sizeof tss16 - 1, DESC_P | DESC_DPL(3) | SYS_TSS16_AVAIL, 0);
  gdt[SEL_TASKGATE / 8] = gate(SEL_TSS, 0, SYS_TASKGATE, 3, 0, 1);
  gdt[SEL_INTGATE / 8] = gate(SEL_KCODE, (u32)s_done, SYS_INTGATE32, 3, 0, 1);
  gdt[SEL_RSVD8 / 8] = seg(0, 0xfff, DESC_P | DESC_DPL(3) | SYS_RESERVED8, 0);
  gdt[SEL_TSS_BUSY / 8] = seg((u32)&tss_busy, 0x67, DESC_P | DESC_DPL(3) | SYS_TSS32_BUSY, 0);
  gdt[SEL_IG16CODE / 8] = seg((u32)ig16_target, 0xfff, CODE(0), DESC_DB);
  gdt[SEL_CODELIM2 / 8] = seg((u32)codelim_area, 0x0e, CODE(0), DESC_DB);
  gdt[SEL_ED_G / 8] = seg(SEG_TEST_BASE, 0, DATA(0) | TYPE_DATA_EXPDOWN, DESC_G | DESC_DB);
  gdt[SEL_ACC / 8] = seg(0, 0xfffff, DATA(3) & ~TYPE_ACCESSED, DESC_G | DESC_DB);
  gdt[SEL_CGATE32R / 8] = gate(SEL_KCODE, (u32)cg32_ret_target, SYS_CALLGATE32, 3, 2, 1);
  gdt[SEL_UCODE16 / 8] = seg(0, 0xffff, CODE(3), 0);
  gdt[SEL_UCONF / 8] = seg(0, 0xfffff, CODE(3) | TYPE_CODE_CONF, DESC_G | DESC_DB);
  gdt[SEL_TSS2 / 8] = seg((u32)&tss2, 0x67, DESC_P | SYS_TSS32_AVAIL, 0);
  gdt[SEL_TSS_SMALL / 8] = seg((u32)&tss_busy, 0x66, DESC_P | SYS_TSS32_AVAIL, 0);
  gdt[SEL_TASKGATE2 / 8] = gate(SEL_TSS2, 0, SYS_TASKGATE, 0, 0, 1);
  gdt[SEL_R1DATA_NP / 8] = seg(0, 0xfffff, DATA(1) & ~DESC_P, DESC_G | DESC_DB);
  gdt[SEL_R1STK_LIM / 8] = seg((u32)r1stack, 0xfff, DATA(1), DESC_DB);
  gdt[SEL_CGATE_R1 / 8] = gate(SEL_R1CODE, (u32)r1_handler, SYS_CALLGATE32, 3, 2, 1);
  gdt[SEL_CGATE_BADOFF / 8] = gate(SEL_CG16CODE, 0x2000, SYS_CALLGATE32, 3, 0, 1);
  gdt[SEL_SCRATCH / 8] = seg(0, 0xfffff, DATA(0), DESC_G | DESC_DB);
  gdt[SEL_UCG / 8] = seg((u32)cg16_target, 0xfff, CODE(3), DESC_DB);

  ldt[SEL_LDT0 / 8] = seg(0, 0xfffff, DATA(3), DESC_G | DESC_DB);
  ldt[SEL_LDT1 / 8] = seg(0, 0xfffff, DATA(0), DESC_G | DESC_DB);
  ldt[SEL_LDT2 / 8] = seg((u32)ldt2_area, 0xfff, DATA(3), DESC_DB);
}

static void idt_init(void) {
  for (u32 v = 0; v < IDT_ENTRIES; v++) idt[v] = gate(SEL_KCODE, (u32)trap_stubs + 16 * v, SYS_INTGATE32, 0, 0, 1);
  idt[T_BP] = gate(SEL_KCODE, (u32)trap_stubs + 16 * T_BP, SYS_INTGATE32, 3, 0, 1);
  idt[T_OF] = gate(SEL_KCODE, (u32)trap_stubs + 16 * T_OF, SYS_INTGATE32, 3, 0, 1);
  idt[T_DONE] = gate(SEL_KCODE, (u32)trap_stubs + 16 * T_DONE, SYS_INTGATE32, 3, 0, 1);
  idt[T_GATE_NP] = gate(SEL_KCODE, (u32)trap_stubs + 16 * T_GATE_NP, SYS_INTGATE32, 3, 0, 0);
  idt[T_GATE16] = gate(SEL_IG16CODE, 0, SYS_INTGATE16, 3, 0, 1);
  idt[T_GATE_R1] = gate(SEL_R1CODE, (u32)r1_handler, SYS_INTGATE32, 3, 0, 1);
  idt[T_GATE_CONF] = gate(SEL_KCONF, (u32)conf_fn, SYS_INTGATE32, 3, 0, 1);
  idt[T_TASKGATE] = gate(SEL_TSS2, 0, SYS_TASKGATE, 3, 0, 1);
}

static void tss_init(void) {
  tss.esp0 = STACK_TOP(trap_stack);
  tss.ss0 = SEL_KDATA;
  tss.esp1 = STACK_TOP(r1stack);
  tss.ss1 = SEL_R1DATA | 1;
  tss.esp2 = STACK_TOP(r2stack);
  tss.ss2 = SEL_R2DATA | 2;
  tss.cr3 = (u32)pd;   /* a task switch back to this task loads it (SDM Vol. 3A §7.2.1: never saved) */
  tss.iomap_base = TSS_IOMAP_OFFSET;
  for (unsigned i = 0; i < sizeof tss.iomap; i++) tss.iomap[i] = 0xff;
  tss.iomap[0x80 / 8] &= (u8)~(1 << (0x80 % 8));   /* port 0x80 allowed at any CPL */
  tss.iomap_end = 0xff;
  tss.link = 0;
}

/* The second task: ring 0, flat, on t2stack, entering at eip. */
static void tss2_init(const void *eip) {
  fill32(&tss2, 0, sizeof tss2);
  tss2.cr3 = (u32)pd;
  tss2.eip = (u32)eip;
  tss2.eflags = EFLAGS_R1;
  tss2.esp = STACK_TOP(t2stack);
  tss2.cs = SEL_KCODE;
  tss2.ss = tss2.ds = tss2.es = tss2.fs = tss2.gs = SEL_KDATA;
  tss2.ldt = SEL_LDT;
  tss2.esp0 = STACK_TOP(trap_stack);
  tss2.ss0 = SEL_KDATA;
  tss2.iomap_base = 0xffff;
}

static void paging_reset(void) {
  pd[0] = (u32)pt_low[0] | PTE_P | PTE_W | PTE_U | PTE_A;
  pd[1] = (u32)pt_low[1] | PTE_P | PTE_W | PTE_U | PTE_A;
  pd[2] = (u32)pt_test | PTE_P | PTE_W | PTE_U | PTE_A;
  pd[3] = PSE_PHYS | PDE_PS | PTE_P | PTE_W | PTE_U | PTE_A | PTE_D;
  pd[1023] = (u32)pt_high | PTE_P | PTE_W | PTE_U | PTE_A;
  for (u32 i = 0; i < 4; i++) pt_test[i] = (u32)test_frames[i] | PTE_P | PTE_W | PTE_U | PTE_A | PTE_D;
  write_cr3((u32)pd);
}

static void paging_init(void) {
  for (u32 i = 0; i < 2048; i++) pt_low[i / 1024][i % 1024] = (i << 12) | PTE_P | PTE_W | PTE_U | PTE_A | PTE_D;
  pt_high[1023] = (u32)wrap_frame | PTE_P | PTE_W | PTE_U | PTE_A | PTE_D;
  paging_reset();
  write_cr4(CR4_PSE);
  write_cr0(CR0_BASE);
}

/* Loads TR from SEL_TSS with the given TSS limit (the descriptor's busy bit cleared first). */
static void load_tr(u32 limit) {
  gdt[SEL_TSS / 8] = seg((u32)&tss, limit, DESC_P | SYS_TSS32_AVAIL, 0);
  ltr(SEL_TSS);
}

/* Everything a case may have changed, back as set up. */
static void restore(void) {
  copy(gdt, gdt_saved, sizeof gdt);
  copy(idt, idt_saved, sizeof idt);
  lidt(&idtr);
  tss_init();
  load_tr(sizeof tss - 1);
  lldt(SEL_LDT);
  write_dr7(0);
  write_dr0(0);
  write_dr1(0);
  paging_reset();
  write_cr0(CR0_BASE);
  write_cr4(CR4_PSE);
  write_dr6(0);
  wrmsr(MSR_SYSENTER_CS, 0);
  wrmsr(MSR_SYSENTER_ESP, 0);
  wrmsr(MSR_SYSENTER_EIP, 0);
}

/* ------------------------------------------------------------------------------------------ */
/* The cases                                                                                   */
/* ------------------------------------------------------------------------------------------ */

/* A far pointer in memory (for JMP/CALL FAR m16:32 and LDS). */
static struct { u32 offset; u16 sel; } __attribute__((packed)) farptr;
static void *far(u32 offset, u16 sel) { farptr.offset = offset; farptr.sel = sel; return &farptr; }

/* Words a case wants on a stack: run() writes them after the stacks are poisoned. */
static struct { u32 esp, n, w[12]; } pending;
/* Schedules words at the top of a stack; returns the ESP that will point at the first. */
static u32 stack_words(u32 top, const u32 *w, u32 n) {
  pending.esp = top - 4 * n;
  pending.n = n;
  for (u32 i = 0; i < n; i++) pending.w[i] = w[i];
  return pending.esp;
}
static void apply_pending(void) {
  for (u32 i = 0; i < pending.n; i++) ((u32 *)pending.esp)[i] = pending.w[i];
  pending.n = 0;
}

/* --- IRET/RETF to an outer ring: DS, ES, FS, GS with DPL < new CPL (data or non-conforming
 *     code) become null (SDM Vol. 2A IRET, RET "RETURN-TO-OUTER-PRIVILEGE-LEVEL"). --- */

static void c_iret_outer_nulls(void) {
  struct entry e = ring3(s_done);
  e.ds = SEL_KDATA; e.es = SEL_UDATA | RPL3; e.fs = SEL_KCONF; e.gs = SEL_KCODE;
  run(&e);
  begin("iret-to-ring3-nulls-dpl0-data-and-code-keeps-conforming"); outcome(); segs(); end();
}
static void c_iret_outer_null_rpl(void) {
  struct entry e = ring3(s_done);
  e.ds = 0x0003; e.es = 0x0000; e.fs = SEL_LDT1; e.gs = SEL_R2DATA | 2;
  run(&e);
  begin("iret-to-ring3-null-selector-rpl3-ldt-dpl0-ring2-data"); outcome(); segs(); end();
}
static void c_iret_ring1(void) {
  struct entry e = ring1(s_done);
  e.ds = SEL_R1DATA | 1; e.es = SEL_KDATA; e.fs = SEL_R2DATA | 2; e.gs = SEL_KCONF;
  run(&e);
  begin("iret-to-ring1-keeps-dpl1-dpl2-nulls-dpl0"); outcome(); segs(); frame(); end();
}
static void c_retf_outer(void) {
  u32 w[] = {(u32)s_done, SEL_UCODE | RPL3, STACK_TOP(ustack), SEL_UDATA | RPL3};
  struct entry e = ring0(s_lret);
  e.esp = stack_words((u32)case_stack_top, w, 4);
  e.ds = SEL_KDATA; e.es = 0x0003; e.fs = SEL_KCONF; e.gs = SEL_UDATA | RPL3;
  run(&e);
  begin("retf-to-ring3-nulls-dpl0-data"); outcome(); segs(); frame(); end();
}
static void c_retf8_outer(void) {
  u32 w[] = {(u32)s_done, SEL_UCODE | RPL3, 0x11111111, 0x22222222, STACK_TOP(ustack) - 8, SEL_UDATA | RPL3};
  struct entry e = ring0(s_lret8);
  e.esp = stack_words((u32)case_stack_top, w, 6);
  run(&e);
  begin("retf-imm8-to-ring3-releases-both-stacks"); outcome(); frame(); end();
}

/* --- Call gates (SDM Vol. 2A CALL "CALL-GATE", Vol. 3A §5.8.5) --- */

static void c_callgate32(void) {
  struct entry e = ring3(s_cg32_call);
  run(&e);
  begin("callgate32-ring3-to-0-copies-2-params"); outcome(); frame(); end();
}
static void c_callgate16(void) {
  struct entry e = ring3(s_cg16_call);
  run(&e);
  begin("callgate16-ring3-to-0-copies-3-word-params"); outcome(); frame(); end();
}
static void c_callgate_retf8(void) {
  struct entry e = ring3(s_cg32r_call);
  run(&e);
  begin("callgate32-then-retf8-to-ring3-nulls-ds-es"); outcome(); segs(); frame(); end();
}
static void c_callgate_faults(void) {
  begin("callgate-checks-from-ring3");
  struct entry e = ring3(s_lcall_ind);
  e.esi = (u32)far(0, SEL_CGATE_K | RPL3); probe("gate-dpl0", &e);
  e.esi = (u32)far(0, SEL_CGATE_NP | RPL3); probe("gate-not-present", &e);
  e.esi = (u32)far(0, SEL_CGATE_TNP | RPL3); probe("target-not-present", &e);
  e.esi = (u32)far(0, SEL_CGATE16 + 8 * 64); probe("beyond-gdt", &e);
  e = ring3(s_ljmp_ind);
  e.esi = (u32)far(0, SEL_CGATE32 | RPL3); probe("jmp-gate-to-inner-ring", &e);
  end();
}
static void c_call_conforming(void) {
  struct entry e = ring3(s_lcall_ind);
  e.esi = (u32)far((u32)conf_fn, SEL_KCONF);
  run(&e);
  begin("call-far-conforming-dpl0-from-ring3-stays-cpl3"); outcome();
  puts(" stack0="); addr(rec.eax); field("stack1", rec.ebx, 8); frame(); end();
}
static void c_far_faults_ring0(void) {
  begin("far-transfer-checks-from-ring0");
  struct entry e = ring0(s_ljmp_ind);
  e.esi = (u32)far((u32)s_done, SEL_KCODE | RPL3); probe("jmp-nonconforming-rpl3", &e);
  e = ring0(s_lcall_ind);
  e.esi = (u32)far((u32)conf_fn, SEL_UCONF); probe("call-conforming-dpl3", &e);
  e.esi = (u32)far((u32)s_done, SEL_KDATA); probe("call-data-segment", &e);
  e.esi = (u32)far((u32)s_done, SEL_CODE_NP); probe("call-not-present", &e);
  e.esi = (u32)far(0, SEL_TSS_BUSY); probe("call-busy-tss", &e);
  end();
}
static void c_return_faults(void) {
  begin("return-checks");
  struct entry e = ring3(s_lret);
  u32 w1[] = {(u32)s_done, SEL_KCODE};
  e.esp = stack_words(STACK_TOP(ustack), w1, 2); probe("retf-ring3-to-ring0", &e);
  e = ring3(s_iret);
  u32 w2[] = {(u32)s_done, SEL_KCODE, EFLAGS_R1};
  e.esp = stack_words(STACK_TOP(ustack), w2, 3); probe("iret-ring3-to-ring0", &e);
  e = ring0(s_iret);
  u32 w3[] = {(u32)s_done, SEL_UCODE | RPL3, EFLAGS_R1, STACK_TOP(ustack), SEL_UDATA};
  e.esp = stack_words((u32)case_stack_top, w3, 5); probe("iret-ss-rpl0-cs-rpl3", &e);
  u32 w4[] = {(u32)s_done, SEL_UCODE | RPL3, EFLAGS_R1, STACK_TOP(ustack), SEL_R2DATA | RPL3};
  e.esp = stack_words((u32)case_stack_top, w4, 5); probe("iret-ss-dpl2-cs-rpl3", &e);
  u32 w5[] = {(u32)s_done, SEL_CODE_NP, EFLAGS_R1};
  e.esp = stack_words((u32)case_stack_top, w5, 3); probe("iret-cs-not-present", &e);
  u32 w6[] = {(u32)s_done, SEL_UCODE | RPL3, EFLAGS_R1, STACK_TOP(ustack), 0x0003};
  e.esp = stack_words((u32)case_stack_top, w6, 5); probe("iret-ss-null", &e);
  e = ring0(s_lret);
  u32 w7[] = {(u32)s_done, SEL_UCODE | RPL3, STACK_TOP(ustack), SEL_UDATA_RO | RPL3};
  e.esp = stack_words((u32)case_stack_top, w7, 4); probe("retf-ss-readonly", &e);
  end();
}

/* --- Interrupts (SDM Vol. 3A §6.12, Vol. 2A INT n/INTO/INT3/INT1) --- */

static void c_int_dpl(void) {
  begin("int-gate-dpl-checks-from-ring3");
  struct entry e = ring3(s_int41); probe("int41-dpl0", &e);
  e = ring3(s_int42); probe("int42-not-present", &e);
  idt[T_BP] = gate(SEL_KCODE, (u32)trap_stubs + 16 * T_BP, SYS_INTGATE32, 0, 0, 1);
  idt[T_OF] = gate(SEL_KCODE, (u32)trap_stubs + 16 * T_OF, SYS_INTGATE32, 0, 0, 1);
  e = ring3(s_int3); probe("int3-cc-dpl0", &e);
  e = ring3(s_int_3); probe("int-cd03-dpl0", &e);
  e = ring3(s_into); e.eflags |= EFLAGS_OF; probe("into-of1-dpl0", &e);
  e = ring3(s_into); probe("into-of0-dpl0", &e);
  e = ring3(s_icebp); probe("icebp-dpl0", &e);
  end();
}
static void c_int3_frame(void) {
  struct entry e = ring3(s_int3);
  run(&e);
  begin("int3-ring3-frame"); outcome(); frame(); end();
}
static void c_icebp_frame(void) {
  struct entry e = ring3(s_icebp);
  run(&e);
  begin("icebp-ring3-dpl0-gate-delivers-db"); outcome(); frame(); end();
}
static void c_int16(void) {
  struct entry e = ring3(s_int43);
  run(&e);
  begin("int-16bit-gate-ring3-to-0-word-frame"); outcome(); frame(); end();
}
static void c_int_conforming(void) {
  struct entry e = ring3(s_int45);
  run(&e);
  begin("int-gate-to-conforming-code-stays-cpl3"); outcome();
  puts(" stack0="); addr(rec.eax); field("stack1", rec.ebx, 8); field("stack2", rec.ecx, 8); frame(); end();
}
static void c_int0e_soft(void) {
  idt[T_PF] = gate(SEL_KCODE, (u32)trap_stubs + 16 * T_PF, SYS_INTGATE32, 3, 0, 1);
  struct entry e = ring3(s_int0e);
  run(&e);
  begin("int-0e-from-software-pushes-no-error-code"); field("vector", rec.vector, 2); frame(); end();
}
static void c_int_straddle(void) {
  tss.esp1 = TEST_LINEAR + 0x1008;
  pt_test[0] = 0;
  pt_test[1] = (u32)test_frames[1] | PTE_P | PTE_W;
  write_cr3((u32)pd);
  struct entry e = ring3(s_int44);
  run(&e);
  begin("int-ring3-to-ring1-frame-straddles-not-present-page"); outcome(); frame(); end();
}
static void c_int_straddle_ro(void) {
  tss.esp1 = TEST_LINEAR + 0x1008;
  pt_test[0] = (u32)test_frames[0] | PTE_P;
  pt_test[1] = (u32)test_frames[1] | PTE_P | PTE_W;
  write_cr3((u32)pd);
  write_cr0(CR0_BASE | CR0_WP);
  struct entry e = ring3(s_int44);
  run(&e);
  begin("int-ring3-to-ring1-frame-straddles-readonly-page-wp1"); outcome(); frame(); end();
}
static void c_df_gp(void) {
  idt[T_GP].hi &= ~(DESC_P << 8);
  struct entry e = ring0(s_mov_ds);
  e.eax = SEL_TSS;
  run(&e);
  begin("gp-with-not-present-handler-is-double-fault"); outcome(); frame(); end();
}
static void c_df_gp_ring3(void) {
  idt[T_GP].hi &= ~(DESC_P << 8);
  struct entry e = ring3(s_mov_ds);
  e.eax = SEL_TSS;
  run(&e);
  begin("gp-ring3-with-not-present-handler-is-double-fault"); outcome(); frame(); end();
}
static void c_ud_np(void) {
  idt[T_UD].hi &= ~(DESC_P << 8);
  struct entry e = ring3(s_ud2);
  run(&e);
  begin("ud-with-not-present-handler-is-np-ext"); outcome(); frame(); end();
}
static void c_df_pf(void) {
  idt[T_PF].hi &= ~(DESC_P << 8);
  pt_test[0] = 0;
  write_cr3((u32)pd);
  struct entry e = ring3(s_read4);
  e.eax = TEST_LINEAR;
  run(&e);
  begin("pf-with-not-present-handler-is-double-fault"); outcome(); frame(); end();
}
static void c_gp_ext_gate_ts(void) {
  /* #NP(gate) delivered through an IDT gate whose code selector is beyond the GDT. */
  idt[T_NP] = gate(SEL_UCONF + 8 * 64, (u32)s_done, SYS_INTGATE32, 0, 0, 1);
  struct entry e = ring3(s_int42);
  run(&e);
  begin("np-handler-code-selector-beyond-gdt"); outcome(); frame(); end();
}

/* --- Data-segment limits (SDM Vol. 3A §5.3) --- */

static void limit_probe(u32 sel, u32 off, u32 size) {
  const void *fn = size == 1 ? s_read1 : size == 2 ? s_read2 : s_read4;
  struct entry e = ring0(fn);
  e.ds = sel;
  e.eax = off;
  poison();
  run(&e);
  putch(' '); hexmin(off); putch('/'); putch('0' + size); putch('='); outcome_short();
}
static void c_expdown_b1(void) {
  begin("expand-down-b1-limit-fff");
  limit_probe(SEL_ED_B1, 0xfff, 1); limit_probe(SEL_ED_B1, 0x1000, 1); limit_probe(SEL_ED_B1, 0xffe, 4);
  limit_probe(SEL_ED_B1, 0xfffffffc, 4); limit_probe(SEL_ED_B1, 0xfffffffd, 4); limit_probe(SEL_ED_B1, 0xffffffff, 1);
  end();
}
static void c_expdown_b0(void) {
  begin("expand-down-b0-limit-fff");
  limit_probe(SEL_ED_B0, 0xfff, 1); limit_probe(SEL_ED_B0, 0x1000, 1); limit_probe(SEL_ED_B0, 0xffff, 1);
  limit_probe(SEL_ED_B0, 0xfffe, 2); limit_probe(SEL_ED_B0, 0xffff, 2); limit_probe(SEL_ED_B0, 0x10000, 1);
  limit_probe(SEL_ED_B0, 0xfffffffc, 4);
  end();
}
static void c_gran(void) {
  begin("granularity-4k-limit-1");
  limit_probe(SEL_GRAN, 0x1fff, 1); limit_probe(SEL_GRAN, 0x1ffe, 2); limit_probe(SEL_GRAN, 0x1fff, 2);
  limit_probe(SEL_GRAN, 0x2000, 1);
  end();
}
static void c_expdown_g(void) {
  begin("expand-down-g1-limit-0");
  limit_probe(SEL_ED_G, 0xfff, 1); limit_probe(SEL_ED_G, 0x1000, 1); limit_probe(SEL_ED_G, 0xffffffff, 1);
  end();
}
static void c_flat_wrap(void) {
  begin("flat-4g-segment-access-wrapping-past-4g");
  limit_probe(SEL_KDATA, 0xfffffffc, 4); limit_probe(SEL_KDATA, 0xfffffffd, 4); limit_probe(SEL_KDATA, 0xffffffff, 2);
  end();
}
static void c_segment_rights(void) {
  begin("data-access-rights-at-ring0");
  struct entry e = ring0(s_read4);
  e.ds = SEL_KCONF; e.eax = (u32)&marker; probe("read-conforming-code", &e);
  e = ring0(s_write4);
  e.ds = SEL_KCONF; e.eax = (u32)scratch; probe("write-conforming-code", &e);
  e.ds = SEL_UDATA_RO; probe("write-readonly-data", &e);
  e = ring0(s_read4);
  e.ds = 0x0000; e.eax = (u32)&marker; probe("read-null-ds", &e);
  e.ds = SEL_KDATA; e.fs = 0; e.eip = (u32)s_read4; probe("read-ds-with-null-fs", &e);
  end();
}

/* --- Segment register loads (SDM Vol. 2A MOV "IF DS, ES, FS, or GS", "IF SS") --- */

static void c_mov_ds(void) {
  static const u16 sels[] = {SEL_KCODE_XO, SEL_KCONF_XO, SEL_KCONF, SEL_KCODE | RPL3, SEL_UDATA, SEL_TSS,
    SEL_DATA_NP | RPL3, SEL_LDT0 | RPL3, 0x0003, SEL_CGATE32 | RPL3, 0x1f8 | RPL3, SEL_R2DATA | RPL3};
  begin("mov-ds-at-ring3");
  for (unsigned i = 0; i < ARRAY_SIZE(sels); i++) {
    struct entry e = ring3(s_mov_ds);
    e.eax = sels[i];
    char label[5] = {"0123456789abcdef"[sels[i] >> 12 & 15], "0123456789abcdef"[sels[i] >> 8 & 15],
      "0123456789abcdef"[sels[i] >> 4 & 15], "0123456789abcdef"[sels[i] & 15], 0};
    probe(label, &e);
  }
  end();
}
static void mov_ss_line(const char *name, int ring, const u16 *sels, unsigned n) {
  begin(name);
  for (unsigned i = 0; i < n; i++) {
    struct entry e = ring ? ring3(s_mov_ss) : ring0(s_mov_ss);
    e.eax = sels[i];
    char label[5] = {"0123456789abcdef"[sels[i] >> 12 & 15], "0123456789abcdef"[sels[i] >> 8 & 15],
      "0123456789abcdef"[sels[i] >> 4 & 15], "0123456789abcdef"[sels[i] & 15], 0};
    probe(label, &e);
  }
  end();
}
static void c_mov_ss0(void) {
  static const u16 sels[] = {0x0000, 0x0003, SEL_KDATA | RPL3, SEL_UDATA, SEL_KCODE, SEL_KDATA, SEL_LDT1, SEL_TSS};
  mov_ss_line("mov-ss-at-ring0", 0, sels, ARRAY_SIZE(sels));
}
static void c_mov_ss3(void) {
  static const u16 sels[] = {0x0003, SEL_UDATA | RPL3, SEL_UDATA_RO | RPL3, SEL_DATA_NP | RPL3, SEL_UCODE | RPL3,
    SEL_UDATA, SEL_KDATA | RPL3, SEL_USTK16 | RPL3, SEL_LDT0 | RPL3};
  mov_ss_line("mov-ss-at-ring3", 1, sels, ARRAY_SIZE(sels));
}
static void c_lds_null(void) {
  begin("lds-null-then-use");
  struct entry e = ring3(s_lds_use);
  e.esi = (u32)far((u32)&marker, 0x0003); probe("null-rpl3", &e);
  e.esi = (u32)far((u32)&marker, 0x0000); probe("null", &e);
  e.esi = (u32)far((u32)&marker, SEL_LDT0 | RPL3); probe("ldt0", &e);
  field("value", rec.ecx, 8);
  end();
}

/* --- Stack segment: EBP/ESP-based addresses use SS (SDM Vol. 3A §6.15 #SS) --- */

static void c_ss_ebp(void) {
  begin("ss-limit-1fff-ebp-esp-addressing-ring3");
  struct entry base = ring3(s_read_ebp);
  base.ss = SEL_USTK_LIM | RPL3; base.esp = 0x1000;
  struct entry e = base; e.ebp = 0; probe("0x2000(ebp)", &e);
  e = base; e.ebp = 0xfffffffc; probe("0x2000(ebp=-4)", &e);
  e = base; e.eip = (u32)s_read_ds_ebp; e.ebp = 0; probe("ds:0x2000(ebp)", &e);
  e = base; e.eip = (u32)s_read_esp; probe("0x1000(esp)", &e);
  e = base; e.eip = (u32)s_read_esp; e.esp = 0xffc; probe("0x1000(esp=ffc)", &e);
  e = base; e.eip = (u32)s_push; e.esp = 0; probe("push-esp0", &e);
  end();
}
static void push_probe(const char *label, u32 ss, u32 esp) {
  struct entry e = ring3(s_push);
  e.ss = ss; e.esp = esp; e.eax = 0x12345678;
  probe(label, &e);
  if (rec.vector == T_DONE) { putch(','); hex(rec.frame[3], 8); }
}
static void c_ss_expdown(void) {
  begin("push-on-expand-down-ss-limit-fff");
  push_probe("esp1004", SEL_USTK_ED | RPL3, 0x1004);
  push_probe("esp1003", SEL_USTK_ED | RPL3, 0x1003);
  push_probe("esp0", SEL_USTK_ED | RPL3, 0);
  push_probe("esp2", SEL_USTK_ED | RPL3, 2);
  end();
}
static void c_ss_16(void) {
  begin("push-on-16bit-ss-uses-sp");
  push_probe("esp12340000", SEL_USTK16 | RPL3, 0x12340000);
  push_probe("esp12340002", SEL_USTK16 | RPL3, 0x12340002);
  push_probe("esp12340006", SEL_USTK16 | RPL3, 0x12340006);
  end();
}

/* --- Single-step and the MOV SS/POP SS shadow (SDM Vol. 3A §6.8.3, Vol. 2B POP, MOV) --- */

static void tf_case(const char *name, const void *fn) {
  write_dr6(0);
  struct entry e = ring3(fn);
  run(&e);
  begin(name); outcome(); field("dr6", rec.dr6 & 0xe00f, 4); end();
}
static void c_tf_plain(void) { tf_case("single-step-after-popf-sets-tf", s_tf_plain); }
static void c_popss_tf(void) { tf_case("single-step-delayed-by-pop-ss", s_popss_tf); }
static void c_movss_tf(void) { tf_case("single-step-delayed-by-mov-ss", s_movss_tf); }

/* --- Segment inspection: LAR, LSL, VERR, VERW (SDM Vol. 2A LAR Table 3-53, LSL Table 3-62) --- */

static const u32 inspect_sels[] = {
  0x0000, SEL_KCODE, SEL_KDATA, SEL_UCODE | RPL3, SEL_UDATA | RPL3, SEL_TSS, SEL_LDT, SEL_LDT | RPL3, SEL_KCONF,
  SEL_KCONF_XO, SEL_KCODE_XO, SEL_UDATA_RO | RPL3, SEL_ED_B1, SEL_GRAN, SEL_CGATE32 | RPL3, SEL_CGATE16 | RPL3,
  SEL_CGATE_K, SEL_CODE_NP, SEL_TSS16 | RPL3, SEL_TASKGATE | RPL3, SEL_INTGATE | RPL3, SEL_RSVD8 | RPL3,
  SEL_TSS_BUSY | RPL3, SEL_UCODE16 | RPL3, SEL_UCONF | RPL3, SEL_LDT0 | RPL3, SEL_LDT1, 0x1f8, SEL_KDATA | RPL3,
  0xffffffff,
};
static void inspect(const char *name, const void *fn, int ring, int flags_only) {
  u32 *out = (u32 *)scratch;
  fill32(scratch, 0, sizeof scratch);
  struct entry e = ring ? ring3(fn) : ring0(fn);
  e.esi = (u32)inspect_sels;
  e.edi = (u32)out;
  run(&e);
  begin(name);
  if (rec.vector != T_DONE) { outcome(); end(); return; }
  for (unsigned i = 0; inspect_sels[i] != 0xffffffff; i++) {
    u32 v = out[2 * i], zf = out[2 * i + 1] & EFLAGS_ZF;
    putch(' '); hex(inspect_sels[i], 4); putch('=');
    if (flags_only) putch(zf ? '1' : '0');
    else if (zf) hex(v, 8);
    else if (v == 0xffffffff) putch('-');
    else { puts("-!"); hex(v, 8); }
  }
  end();
}
static void c_lar0(void) { inspect("lar-at-ring0", s_lar_all, 0, 0); }
static void c_lar3(void) { inspect("lar-at-ring3", s_lar_all, 1, 0); }
static void c_lsl0(void) { inspect("lsl-at-ring0", s_lsl_all, 0, 0); }
static void c_lsl3(void) { inspect("lsl-at-ring3", s_lsl_all, 1, 0); }
static void c_verr3(void) { inspect("verr-at-ring3", s_verr_all, 1, 1); }
static void c_verw3(void) { inspect("verw-at-ring3", s_verw_all, 1, 1); }
static void c_verr0(void) { inspect("verr-at-ring0", s_verr_all, 0, 1); }

static void arpl_probe(u32 dst, u32 src) {
  struct entry e = ring3(s_arpl);
  e.eax = dst; e.ebx = src;
  poison();
  run(&e);
  putch(' '); hex(dst, 8); putch(','); hex(src, 4); putch('='); hex(rec.eax, 8);
  puts(rec.ecx & EFLAGS_ZF ? "/zf1" : "/zf0");
}
static void c_arpl(void) {
  begin("arpl");
  arpl_probe(0xabcd0010, 0x0003); arpl_probe(0x00000013, 0x0001); arpl_probe(0x00000012, 0xff12);
  arpl_probe(0x00000000, 0x0003);
  *(u32 *)scratch = 0x55550011;
  struct entry e = ring3(s_arpl_mem);
  e.edi = (u32)scratch; e.ebx = 0x0003;
  run(&e);
  puts(" mem"); field("dword", rec.eax, 8); puts(rec.ecx & EFLAGS_ZF ? "/zf1" : "/zf0");
  end();
}
static void c_accessed(void) {
  u32 before = gdt[SEL_ACC / 8].hi;
  struct entry e = ring3(s_acc);
  e.eax = SEL_ACC | RPL3;
  run(&e);
  begin("descriptor-accessed-bit-set-by-segment-load"); outcome();
  field("lar-before", rec.ebx, 8); field("lar-after", rec.ecx, 8);
  field("desc-before", before, 8); field("desc-after", gdt[SEL_ACC / 8].hi, 8);
  end();
}

/* --- System registers --- */

static void c_sgdt_sidt(void) {
  static struct pseudo_desc fake = {0x1234, 0xfedcba98};
  u8 *buf = scratch;
  for (int i = 0; i < 32; i++) buf[i] = 0xff;
  struct entry e = ring0(s_sgdt_sidt);
  e.esi = (u32)&fake; e.ebx = (u32)&gdtr; e.edx = (u32)&idtr; e.edi = (u32)buf;
  run(&e);
  begin("sgdt-sidt-operand-size"); outcome();
  static const char *const names[] = {"sgdt16", "sgdt32", "sidt16", "sidt32"};
  for (int k = 0; k < 4; k++) {
    putch(' '); puts(names[k]); putch('=');
    for (int i = 0; i < 8; i++) hex(buf[8 * k + i], 2);
  }
  end();
}
static void c_r32(void) {
  struct entry e = ring0(s_r32);
  run(&e);
  begin("store-16bit-system-registers-to-r32-ring0"); outcome();
  field("smsw", rec.eax, 8); field("str", rec.ebx, 8); field("mov-ds", rec.ecx, 8); field("sldt", rec.edx, 8);
  end();
  e = ring3(s_r32);
  run(&e);
  begin("store-16bit-system-registers-to-r32-ring3"); outcome();
  field("smsw", rec.eax, 8); field("str", rec.ebx, 8); field("mov-ds", rec.ecx, 8); field("sldt", rec.edx, 8);
  end();
}
static void c_r16_mem(void) {
  fill32(scratch, 0xffffffff, 16);
  struct entry e = ring0(s_r16_mem);
  e.edi = (u32)scratch;
  run(&e);
  u32 *w = (u32 *)scratch;
  begin("store-16bit-system-registers-to-memory"); outcome();
  field("smsw", w[0], 8); field("str", w[1], 8); field("mov-ds", w[2], 8); field("sldt", w[3], 8);
  end();
}
static void c_push_sreg(void) {
  struct entry e = ring3(s_push_sreg);
  run(&e);
  begin("push-segment-register-operand-size"); outcome();
  field("push32-ds", rec.ebx, 8); field("push32-cs", rec.ecx, 8); field("push16-ds", rec.edx, 8);
  end();
}
static void c_lmsw(void) {
  begin("lmsw-cannot-clear-pe");
  struct entry e = ring0(s_lmsw);
  e.eax = 0x0000; probe("lmsw0", &e); field("cr0", rec.ebx, 8);
  restore();
  e.eax = 0xfff0; probe("lmswfff0", &e); field("cr0", rec.ebx, 8);
  end();
}
static void c_privileged(void) {
  begin("privileged-instructions-at-ring3");
  struct entry e;
  e = ring3(s_hlt); probe("hlt", &e);
  e = ring3(s_cli); probe("cli-iopl0", &e);
  e = ring3(s_cli); e.eflags |= EFLAGS_IOPL3; probe("cli-iopl3", &e);
  e = ring3(s_lgdt); e.esi = (u32)&gdtr; probe("lgdt", &e);
  e = ring3(s_mov_cr0); probe("mov-from-cr0", &e);
  e = ring3(s_invlpg); e.esi = (u32)scratch; probe("invlpg", &e);
  e = ring3(s_rdmsr); e.ecx = MSR_SYSENTER_CS; probe("rdmsr", &e);
  e = ring3(s_ltr); e.eax = SEL_TSS; probe("ltr", &e);
  e = ring3(s_lmsw); probe("lmsw", &e);
  e = ring3(s_clts); probe("clts", &e);
  e = ring3(s_wbinvd); probe("wbinvd", &e);
  e = ring3(s_mov_dr7); probe("mov-from-dr7", &e);
  e = ring3(s_rdtsc); probe("rdtsc-tsd0", &e);
  write_cr4(CR4_PSE | CR4_TSD);
  e = ring3(s_rdtsc); probe("rdtsc-tsd1", &e);
  end();
}
static void c_ltr_lldt(void) {
  begin("ltr-lldt-checks-at-ring0");
  struct entry e = ring0(s_ltr);
  e.eax = SEL_TSS_BUSY; probe("ltr-busy-tss", &e);
  e.eax = 0; probe("ltr-null", &e);
  e.eax = SEL_LDT; probe("ltr-ldt", &e);
  e.eax = SEL_TSS | 4; probe("ltr-ti1", &e);
  e = ring0(s_lldt_then_ds);
  e.eax = SEL_KDATA; e.ebx = SEL_KDATA; probe("lldt-data", &e);
  e.eax = SEL_TSS; probe("lldt-tss", &e);
  e.eax = 0; e.ebx = SEL_LDT1; probe("lldt-null-then-ldt-selector", &e);
  e.eax = 0; e.ebx = 0x0004; probe("lldt-null-then-0004", &e);
  end();
}
static void c_ldt(void) {
  begin("ldt-selectors-at-ring3");
  *(u32 *)(ldt2_area + 0x10) = 0x1d71d710;
  struct entry e = ring3(s_mov_ds_read);
  e.eax = SEL_LDT0 | RPL3; e.ebx = (u32)&marker; probe("ldt0", &e); field("value", rec.ecx, 8);
  e.eax = SEL_LDT2 | RPL3; e.ebx = 0x10; probe("ldt2", &e); field("value", rec.ecx, 8);
  e.eax = SEL_LDT2 | RPL3; e.ebx = 0x1000; probe("ldt2-beyond-limit", &e);
  e.eax = SEL_LDT1 | RPL3; probe("ldt1-dpl0", &e);
  e.eax = 0x001c | RPL3; probe("beyond-ldt-limit", &e);
  end();
}

/* --- I/O permission (SDM Vol. 1 §19.5) --- */

static void c_io(void) {
  begin("io-permission-bitmap-ring3-iopl0");
  struct entry e = ring3(s_outb);
  e.edx = 0x80; probe("outb80", &e);
  e.edx = 0x81; probe("outb81", &e);
  e = ring3(s_outw);
  e.edx = 0x7f; probe("outw7f", &e);
  e.edx = 0x80; probe("outw80", &e);
  e = ring3(s_outb);
  e.edx = 0x400; probe("outb400", &e);
  e.edx = 0xffff; probe("outbffff", &e);
  end();
}
static void c_io_limit(void) {
  begin("io-bitmap-byte-at-tss-limit");
  u32 byte = TSS_IOMAP_OFFSET + 0x80 / 8;
  struct entry e = ring3(s_outb);
  e.edx = 0x80;
  load_tr(byte); probe("limit=byte", &e);
  load_tr(byte + 1); probe("limit=byte+1", &e);
  load_tr(byte - 1); probe("limit=byte-1", &e);
  load_tr(sizeof tss - 1);
  end();
}

/* --- SYSENTER/SYSEXIT (SDM Vol. 2B SYSENTER, SYSEXIT) --- */

static void sysenter_case(const char *name, u32 msr_cs) {
  wrmsr(MSR_SYSENTER_CS, msr_cs);
  wrmsr(MSR_SYSENTER_ESP, STACK_TOP(sysstack));
  wrmsr(MSR_SYSENTER_EIP, (u32)sysenter_target);
  for (int i = 0; i < 4; i++) sysenter_seen[i] = 0;
  struct entry e = ring3(s_sysenter);
  e.eflags |= EFLAGS_IF;
  e.ecx = STACK_TOP(ustack) - 0x10;
  e.edx = (u32)s_done;
  run(&e);
  begin(name); outcome();
  if (sysenter_seen[0]) {
    field("k-cs", sysenter_seen[0], 4); field("k-ss", sysenter_seen[1], 4); field("k-eflags", sysenter_seen[2], 8);
    puts(" k-esp="); addr(sysenter_seen[3]);
  }
  frame();
  end();
}
static void c_sysenter(void) { sysenter_case("sysenter-sysexit-round-trip", SEL_KCODE); }
static void c_sysenter_rpl(void) { sysenter_case("sysenter-cs-msr-with-rpl3-bits", SEL_KCODE | RPL3); }
static void c_sysenter_zero(void) {
  begin("sysenter-sysexit-cs-msr-checks");
  wrmsr(MSR_SYSENTER_EIP, (u32)sysenter_target);
  wrmsr(MSR_SYSENTER_ESP, STACK_TOP(sysstack));
  struct entry e = ring3(s_sysenter);
  wrmsr(MSR_SYSENTER_CS, 0); probe("sysenter-cs0", &e);
  wrmsr(MSR_SYSENTER_CS, 3); probe("sysenter-cs3", &e);
  wrmsr(MSR_SYSENTER_CS, SEL_KCODE);
  e = ring3(s_sysexit); probe("sysexit-at-ring3", &e);
  wrmsr(MSR_SYSENTER_CS, 0);
  e = ring0(s_sysexit); e.ecx = STACK_TOP(ustack); e.edx = (u32)s_done; probe("sysexit-cs0", &e);
  end();
}
static void c_sysexit_wrap(void) {
  wrmsr(MSR_SYSENTER_CS, 0xfff8);
  struct entry e = ring0(s_sysexit);
  e.ecx = STACK_TOP(ustack); e.edx = (u32)s_done;
  run(&e);
  begin("sysexit-cs-msr-fff8-selectors-wrap"); outcome(); frame(); end();
}

/* --- Paging (SDM Vol. 3A §4.6 access rights, §4.7 #PF error code, §4.8 A/D bits) --- */

static void pf_probe(const char *label, int ring, const void *fn, u32 pde_flags, u32 pte_flags, u32 cr0) {
  paging_reset();
  pd[2] = (u32)pt_test | pde_flags;
  pt_test[0] = pte_flags ? ((u32)test_frames[0] | pte_flags) : 0;
  write_cr3((u32)pd);
  write_cr0(cr0);
  struct entry e = ring ? ring3(fn) : ring0(fn);
  e.eax = TEST_LINEAR;
  probe(label, &e);
  write_cr0(CR0_BASE);
}
static void c_pf_codes(void) {
  const u32 ALL = PTE_P | PTE_W | PTE_U;
  test_frames[0][0] = 0xcd; test_frames[0][1] = T_DONE;   /* int $T_DONE, for the fetch probes */
  begin("page-fault-error-codes");
  pf_probe("u-read-supervisor", 3, s_read4, ALL, PTE_P | PTE_W, CR0_BASE);
  pf_probe("u-write-readonly", 3, s_write4, ALL, PTE_P | PTE_U, CR0_BASE);
  pf_probe("u-read-not-present", 3, s_read4, ALL, 0, CR0_BASE);
  pf_probe("u-write-not-present", 3, s_write4, ALL, 0, CR0_BASE);
  pf_probe("k-read-not-present", 0, s_read4, ALL, 0, CR0_BASE);
  pf_probe("k-write-readonly-wp0", 0, s_write4, ALL, PTE_P | PTE_U, CR0_BASE);
  pf_probe("k-write-readonly-wp1", 0, s_write4, ALL, PTE_P | PTE_U, CR0_BASE | CR0_WP);
  pf_probe("u-read-pde-supervisor", 3, s_read4, PTE_P | PTE_W, ALL, CR0_BASE);
  pf_probe("u-write-pde-readonly", 3, s_write4, PTE_P | PTE_U, ALL, CR0_BASE);
  pf_probe("k-write-pde-readonly-wp1", 0, s_write4, PTE_P | PTE_U, ALL, CR0_BASE | CR0_WP);
  pf_probe("u-read-pde-not-present", 3, s_read4, 0, ALL, CR0_BASE);
  pf_probe("u-fetch-supervisor", 3, s_jmp_eax, ALL, PTE_P | PTE_W, CR0_BASE);
  pf_probe("u-fetch-user", 3, s_jmp_eax, ALL, PTE_P | PTE_U, CR0_BASE);
  pf_probe("k-fetch-not-present", 0, s_jmp_eax, ALL, 0, CR0_BASE);
  end();
}
static void ad_probe(const char *label, int ring, const void *fn) {
  struct entry e = ring ? ring3(fn) : ring0(fn);
  e.eax = TEST_LINEAR + 0x10;
  probe(label, &e);
  field("pde", pd[2] & 0xfff, 3); field("pte", pt_test[0] & 0xfff, 3);
}
static void c_pf_ad(void) {
  begin("accessed-dirty-bits");
  pd[2] = (u32)pt_test | PTE_P | PTE_W | PTE_U;
  pt_test[0] = (u32)test_frames[0] | PTE_P | PTE_W | PTE_U;
  write_cr3((u32)pd);
  ad_probe("k-read", 0, s_read4);
  ad_probe("k-write", 0, s_write4);
  pd[2] &= ~PTE_A; pt_test[0] &= ~(PTE_A | PTE_D);
  write_cr3((u32)pd);
  ad_probe("u-write", 3, s_write4);
  pd[2] &= ~PTE_A; pt_test[0] = (u32)test_frames[0] | PTE_P | PTE_U;   /* read-only */
  write_cr3((u32)pd);
  ad_probe("u-write-readonly", 3, s_write4);
  pd[2] &= ~PTE_A; pt_test[0] = (u32)test_frames[0] | PTE_P | PTE_W;   /* supervisor */
  write_cr3((u32)pd);
  ad_probe("u-read-supervisor", 3, s_read4);
  pd[2] &= ~PTE_A; pt_test[0] = (u32)test_frames[0] | PTE_W | PTE_U;   /* not present */
  write_cr3((u32)pd);
  ad_probe("k-read-not-present", 0, s_read4);
  end();
}
static void c_pse(void) {
  begin("pse-4m-page-accessed-dirty");
  pd[3] = PSE_PHYS | PDE_PS | PTE_P | PTE_W | PTE_U;
  write_cr3((u32)pd);
  struct entry e = ring0(s_read4);
  e.eax = PSE_LINEAR + 0x123450;
  probe("read", &e); field("pde", pd[3] & 0xfff, 3);
  e.eip = (u32)s_write4; e.ebx = 0x4d4d4d4d;
  probe("write", &e); field("pde", pd[3] & 0xfff, 3);
  field("phys", *(u32 *)(PSE_PHYS + 0x123450), 8);
  end();
}
static void c_invlpg(void) {
  begin("invlpg-drops-stale-translation");
  *(u32 *)test_frames[0] = 0x11110000;
  *(u32 *)test_frames[1] = 0x22220000;
  struct entry e = ring0(s_read4);
  e.eax = TEST_LINEAR;
  probe("read", &e); field("value", rec.ebx, 8);
  pt_test[0] = (u32)test_frames[1] | PTE_P | PTE_W | PTE_U | PTE_A | PTE_D;
  e = ring0(s_invlpg); e.esi = TEST_LINEAR; probe("invlpg", &e);
  e = ring0(s_read4); e.eax = TEST_LINEAR;
  probe("read", &e); field("value", rec.ebx, 8);
  pt_test[0] = 0;
  e = ring0(s_invlpg); e.esi = TEST_LINEAR; probe("invlpg", &e);
  e = ring0(s_read4); e.eax = TEST_LINEAR; probe("read", &e);
  end();
}
static void c_iret_pop_straddle(void) {
  u32 *top = (u32 *)(TEST_LINEAR + 0x1ff4);
  top[0] = (u32)s_done; top[1] = SEL_UCODE | RPL3; top[2] = EFLAGS_R1;
  pt_test[2] = 0;
  write_cr3((u32)pd);
  struct entry e = ring0(s_iret);
  e.esp = TEST_LINEAR + 0x1ff4;
  run(&e);
  begin("iret-to-ring3-pops-esp-ss-from-not-present-page"); outcome(); frame(); end();
}
static void c_retf_pop_straddle(void) {
  u32 *top = (u32 *)(TEST_LINEAR + 0x1ff8);
  top[0] = (u32)s_done; top[1] = SEL_UCODE | RPL3;
  pt_test[2] = 0;
  write_cr3((u32)pd);
  struct entry e = ring0(s_lret);
  e.esp = TEST_LINEAR + 0x1ff8;
  run(&e);
  begin("retf-to-ring3-pops-esp-ss-from-not-present-page"); outcome(); frame(); end();
}

/* --- Code-segment limit on instruction fetch (SDM Vol. 3A §5.3, JMP/RET "IF ... > CS.limit") --- */

static void c_cs_limit(void) {
  begin("cs-limit-0f-instruction-fetch");
  struct entry e = ring0(s_ljmp_ind);
  e.esi = (u32)far(0x00, SEL_CODELIM); probe("jmp-to-20", &e);
  putch('@'); hex(rec.frame[2], 4); putch(':'); addr(rec.frame[1]);
  e.esi = (u32)far(0x02, SEL_CODELIM); probe("ret-to-20", &e);
  putch('@'); hex(rec.frame[2], 4); putch(':'); addr(rec.frame[1]);
  e.esi = (u32)far(0x0d, SEL_CODELIM); probe("insn-straddles-limit", &e);
  putch('@'); hex(rec.frame[2], 4); putch(':'); addr(rec.frame[1]);
  e.esi = (u32)far(0x0c, SEL_CODELIM2); probe("fall-off-limit-0e", &e);
  putch('@'); hex(rec.frame[2], 4); putch(':'); addr(rec.frame[1]);
  e.esi = (u32)far(0x10, SEL_CODELIM); probe("far-jmp-offset-10", &e);
  putch('@'); hex(rec.frame[2], 4); putch(':'); addr(rec.frame[1]);
  end();
}

/* --- LOCK prefix (SDM Vol. 2A LOCK) --- */

static void c_lock(void) {
  begin("lock-prefix");
  struct entry e = ring3(s_lock_mov); e.esi = (u32)scratch; probe("lock-mov", &e);
  e = ring3(s_lock_add_mem); e.esi = (u32)scratch; probe("lock-add-mem", &e);
  end();
}


/* --- Task switches (SDM Vol. 3A §7.3; busy bits, NT and link as in Table 7-2) --- */

static u32 desc_type(u16 sel) { return (gdt[sel / 8].hi >> 8) & 0xf; }

static void c_task_call(void) {
  tss2_init(t2_call_entry);
  for (int i = 0; i < 3; i++) task2_seen[i] = 0;
  struct entry e = ring0(s_task_call);
  run(&e);
  begin("call-task-gate-then-iret-back"); outcome();
  field("t2-tr", task2_seen[0], 4); field("t2-eflags", task2_seen[1], 8); field("t2-cr0", task2_seen[2], 8);
  field("t2-link", tss2.link, 4);
  field("t1-tr", rec.ebx, 4); field("t1-eflags", rec.ecx, 8); field("t1-cr0", rec.edx, 8);
  field("type1", desc_type(SEL_TSS), 1); field("type2", desc_type(SEL_TSS2), 1);
  puts(" t1-saved-eip="); addr(tss.eip); puts(" t2-saved-eip="); addr(tss2.eip);
  puts(" t2-saved-esp="); addr(tss2.esp);
  end();
}
static void c_task_jmp(void) {
  tss2_init(t2_jmp_entry);
  struct entry e = ring0(s_task_jmp);
  e.eax = SEL_TSS2;
  run(&e);
  begin("jmp-to-tss"); outcome();
  field("t2-tr", rec.eax, 4); field("t2-eflags", rec.ebx, 8); field("t2-cr0", rec.ecx, 8);
  field("t2-link", tss2.link, 4);
  field("type1", desc_type(SEL_TSS), 1); field("type2", desc_type(SEL_TSS2), 1);
  puts(" t1-saved-eip="); addr(tss.eip); field("t1-saved-eflags", tss.eflags, 8);
  end();
}
static void c_task_faults(void) {
  begin("task-switch-checks");
  tss2_init(t2_jmp_entry);
  struct entry e = ring0(s_task_jmp);
  e.eax = SEL_TSS_SMALL; probe("jmp-tss-limit-66", &e);
  e.eax = SEL_TSS; probe("jmp-busy-tss", &e);
  e.eax = SEL_TSS_BUSY; probe("jmp-busy-tss-dpl3", &e);
  e = ring3(s_lcall_ind);
  e.esi = (u32)far(0, SEL_TASKGATE2 | RPL3); probe("call-task-gate-dpl0-from-ring3", &e);
  tss.link = SEL_TSS2;
  e = ring0(s_iret); e.eflags |= EFLAGS_NT; probe("iret-nt-link-to-available-tss", &e);
  tss.link = SEL_KDATA;
  probe("iret-nt-link-to-data-segment", &e);
  end();
}

/* --- The stack an inter-privilege transfer takes from the TSS (SDM Vol. 3A §6.12.1, §5.8.5) --- */

static void tss_stack_probe(const char *label, u32 ss1, u32 esp1) {
  tss_init();
  tss.ss1 = ss1;
  tss.esp1 = esp1;
  struct entry e = ring3(s_int44);
  probe(label, &e);
}
static void c_tss_stack(void) {
  begin("int-to-ring1-stack-from-tss");
  tss_stack_probe("ss1-dpl0", SEL_KDATA, STACK_TOP(r1stack));
  tss_stack_probe("ss1-rpl0", SEL_R1DATA, STACK_TOP(r1stack));
  tss_stack_probe("ss1-null", 0, STACK_TOP(r1stack));
  tss_stack_probe("ss1-code", SEL_R1CODE | 1, STACK_TOP(r1stack));
  tss_stack_probe("ss1-not-present", SEL_R1DATA_NP | 1, STACK_TOP(r1stack));
  tss_stack_probe("ss1-limit-esp1-10", SEL_R1STK_LIM | 1, 0x10);
  tss_stack_probe("ss1-limit-esp1-14", SEL_R1STK_LIM | 1, 0x14);
  tss_init();
  idt[T_UD] = gate(SEL_R1CODE, (u32)r1_handler, SYS_INTGATE32, 3, 0, 1);
  tss.ss1 = SEL_KDATA;
  struct entry e = ring3(s_ud2);
  probe("ud-to-ring1-ss1-dpl0", &e);
  end();
}
static void c_callgate_stacks(void) {
  begin("callgate-stack-checks");
  struct entry e = ring3(s_cg32_call_bare);
  e.ss = SEL_USTK_LIM | RPL3;
  e.esp = 0x1ff8; probe("params-at-caller-limit", &e);
  e.esp = 0x1ffc; probe("params-beyond-caller-limit", &e);
  e = ring3(s_cgr1_call);
  tss.ss1 = SEL_R1STK_LIM | 1;
  tss.esp1 = 0x18; probe("ring1-stack-exactly-fits", &e);
  if (rec.vector == T_DONE) { putch(','); hex(rec.frame[3], 8); }
  tss.esp1 = 0x14; probe("ring1-stack-4-short", &e);
  e = ring3(s_cgbad_call); probe("gate-offset-beyond-target-limit", &e);
  end();
}
static void c_eip_limit(void) {
  begin("return-eip-beyond-cs-limit");
  struct entry e = ring0(s_iret);
  u32 w1[] = {0x10000, SEL_UCODE16 | RPL3, EFLAGS_R1, STACK_TOP(ustack), SEL_UDATA | RPL3};
  e.esp = stack_words((u32)case_stack_top, w1, 5); probe("iret-outer", &e);
  putch('@'); addr(rec.frame[1]);
  u32 w2[] = {0x10, SEL_CODELIM, EFLAGS_R1};
  e.esp = stack_words((u32)case_stack_top, w2, 3); probe("iret-same-ring", &e);
  putch('@'); addr(rec.frame[1]);
  e = ring0(s_lret);
  u32 w3[] = {0x10000, SEL_UCODE16 | RPL3, STACK_TOP(ustack), SEL_UDATA | RPL3};
  e.esp = stack_words((u32)case_stack_top, w3, 4); probe("retf-outer", &e);
  putch('@'); addr(rec.frame[1]);
  end();
}
static void c_idt_limit(void) {
  begin("int-vector-at-idt-limit");
  idt[T_GATE_DPL0] = gate(SEL_KCODE, (u32)trap_stubs + 16 * T_GATE_DPL0, SYS_INTGATE32, 3, 0, 1);
  static const u16 limits[] = {T_GATE_DPL0 * 8 + 7, T_GATE_DPL0 * 8 + 6, T_GATE_DPL0 * 8 - 1};
  for (unsigned i = 0; i < ARRAY_SIZE(limits); i++) {
    struct pseudo_desc p = {limits[i], (u32)idt};
    lidt(&p);
    struct entry e = ring3(s_int41);
    char label[] = {'l', 'i', 'm', 'i', 't', "0123456789abcdef"[limits[i] >> 8 & 15], "0123456789abcdef"[limits[i] >> 4 & 15],
      "0123456789abcdef"[limits[i] & 15], 0};
    probe(label, &e);
  }
  lidt(&idtr);
  end();
}

/* --- EFLAGS through IRET and POPF (SDM Vol. 2A IRET, Vol. 2B POPF) --- */

#define EFLAGS_ALL_BUT_TF_ID 0x001f7ed7u   /* every defined flag but TF and ID */
static void c_eflags(void) {
  begin("eflags-image-loaded");
  struct entry e = ring3(s_iret);
  u32 w1[] = {(u32)s_pushf_done, SEL_UCODE | RPL3, EFLAGS_ALL_BUT_TF_ID};
  e.esp = stack_words(STACK_TOP(ustack), w1, 3); probe("iret-at-ring3", &e); putch(','); hex(rec.ebx, 8);
  e = ring0(s_iret);
  u32 w2[] = {(u32)s_pushf_done, SEL_UCODE | RPL3, EFLAGS_ALL_BUT_TF_ID & ~0x20000u, STACK_TOP(ustack), SEL_UDATA | RPL3};
  e.esp = stack_words((u32)case_stack_top, w2, 5); probe("iret-ring0-to-ring3", &e); putch(','); hex(rec.ebx, 8);
  e = ring3(s_popf); e.eax = EFLAGS_ALL_BUT_TF_ID; probe("popf-ring3-iopl0", &e); putch(','); hex(rec.ebx, 8);
  e = ring3(s_popf); e.eax = EFLAGS_ALL_BUT_TF_ID & ~EFLAGS_IOPL3; e.eflags |= EFLAGS_IOPL3;
  probe("popf-ring3-iopl3", &e); putch(','); hex(rec.ebx, 8);
  e = ring0(s_popf); e.eax = EFLAGS_ALL_BUT_TF_ID & ~EFLAGS_NT; probe("popf-ring0", &e); putch(','); hex(rec.ebx, 8);
  end();
}

/* --- Accesses that straddle a page boundary (SDM Vol. 3A §4.7: CR2 = the linear address that faulted) --- */

static void c_straddle(void) {
  begin("access-straddles-page-boundary");
  test_frames[0][0xfff] = 0xcd;   /* int $T_DONE split across the boundary */
  test_frames[1][0] = T_DONE;
  pt_test[1] = 0;
  write_cr3((u32)pd);
  struct entry e = ring0(s_jmp_eax); e.eax = TEST_LINEAR + 0xfff; probe("k-fetch-second-page-not-present", &e);
  putch('@'); addr(rec.frame[1]);
  e = ring0(s_read4); e.eax = TEST_LINEAR + 0xffe; probe("k-read-second-page-not-present", &e);
  pt_test[0] = (u32)test_frames[0] | PTE_P | PTE_U;
  write_cr3((u32)pd);
  e = ring3(s_write4); e.eax = TEST_LINEAR + 0xffe; probe("u-write-first-readonly-second-not-present", &e);
  pt_test[1] = (u32)test_frames[1] | PTE_P | PTE_W;
  pt_test[0] = (u32)test_frames[0] | PTE_P | PTE_U | PTE_W;
  write_cr3((u32)pd);
  e = ring3(s_jmp_eax); e.eax = TEST_LINEAR + 0xfff; probe("u-fetch-second-page-supervisor", &e);
  putch('@'); addr(rec.frame[1]);
  end();
}
static void c_rep_fault(void) {
  begin("rep-string-fault-part-way");
  pt_test[1] = 0;
  write_cr3((u32)pd);
  struct entry e = ring0(s_rep_movsb);
  e.esi = (u32)scratch; e.edi = TEST_LINEAR + 0xffc; e.ecx = 8;
  probe("movsb-into-not-present", &e);
  field("ecx", rec.ecx, 8); puts(" esi="); addr(rec.esi); puts(" edi="); addr(rec.edi);
  e = ring0(s_rep_stosl);
  e.es = SEL_GRAN; e.edi = 0x1ff8; e.ecx = 4; e.eax = 0x5a5a5a5a;
  probe("stosl-past-es-limit", &e);
  field("ecx", rec.ecx, 8); field("edi", rec.edi, 8);
  end();
}
static void rmw_line(const char *name, int page) {
  static const struct { const char *label; u8 *fn; } ops[] = {
    {"add", s_rmw_add}, {"xchg", s_rmw_xchg}, {"cmpxchg-fails", s_rmw_cmpxchg}, {"cmpxchg8b-fails", s_rmw_cmpxchg8b},
    {"bt", s_rmw_bt}, {"bts", s_rmw_bts}, {"lock-add", s_lock_add_mem},
  };
  begin(name);
  for (unsigned i = 0; i < ARRAY_SIZE(ops); i++) {
    struct entry e = ring3(ops[i].fn);
    if (page) {
      pt_test[0] = (u32)test_frames[0] | PTE_P | PTE_U;
      write_cr3((u32)pd);
      e.esi = TEST_LINEAR;
    } else {
      e.ds = SEL_UDATA_RO | RPL3;
      e.esi = (u32)scratch;
    }
    probe(ops[i].label, &e);
  }
  end();
}
static void c_rmw_page(void) { rmw_line("read-modify-write-on-readonly-page-ring3", 1); }
static void c_rmw_seg(void) { rmw_line("read-modify-write-on-readonly-segment-ring3", 0); }

static void c_stack_operands(void) {
  struct entry e = ring3(s_pop_esp_mem);
  run(&e);
  begin("pop-to-esp-relative-memory"); outcome(); field("[esp]", rec.ebx, 8); field("[esp+4]", rec.ecx, 8); end();
  e = ring3(s_pop_esp);
  run(&e);
  begin("pop-esp"); outcome(); frame(); end();
  e = ring3(s_push_esp);
  run(&e);
  begin("push-esp"); outcome(); puts(" pushed="); addr(rec.ebx); puts(" esp-before="); addr(rec.ecx); end();
}
static void c_ud(void) {
  begin("invalid-encodings");
  struct entry e;
  e = ring0(s_mov_cs); probe("mov-cs", &e);
  e = ring0(s_lea_reg); probe("lea-reg", &e);
  e = ring0(s_lss_reg); probe("lss-reg", &e);
  e = ring0(s_mov_cr1); probe("mov-cr1", &e);
  e = ring0(s_cmpxchg8b_reg); probe("cmpxchg8b-reg", &e);
  end();
}
static void c_align(void) {
  begin("alignment-check");
  struct entry e = ring3(s_read4);
  e.eax = (u32)scratch + 1;
  write_cr0(CR0_BASE | CR0_AM);
  e.eflags |= EFLAGS_AC; probe("ring3-am1-ac1", &e);
  e.eflags &= ~EFLAGS_AC; probe("ring3-am1-ac0", &e);
  e = ring3(s_push); e.eflags |= EFLAGS_AC; e.esp = STACK_TOP(ustack) - 2; probe("ring3-push-esp-misaligned", &e);
  e = ring0(s_read4); e.eax = (u32)scratch + 1; e.eflags |= EFLAGS_AC; probe("ring0-am1-ac1", &e);
  write_cr0(CR0_BASE);
  e = ring3(s_read4); e.eax = (u32)scratch + 1; e.eflags |= EFLAGS_AC; probe("ring3-am0-ac1", &e);
  end();
}
static void c_breakpoints(void) {
  begin("debug-register-breakpoints");
  struct entry e = ring3(s_bp);
  e.esi = (u32)scratch + 0x100;
  write_dr0((u32)bp_exec);
  write_dr7(0x1);                              /* L0, execute */
  write_dr6(0);
  probe("exec", &e); field("dr6", rec.dr6 & 0xe00f, 4); putch('@'); addr(rec.frame[0]); field("eflags", rec.frame[2], 8);
  write_dr1((u32)scratch + 0x100);
  write_dr7(0x4 | (0x1 << 20) | (0x3 << 22));  /* L1, write, 4 bytes */
  write_dr6(0);
  probe("data-write", &e); field("dr6", rec.dr6 & 0xe00f, 4); putch('@'); addr(rec.frame[0]);
  write_dr7(0);
  end();
}
static void c_sysenter_ring0(void) {
  wrmsr(MSR_SYSENTER_CS, SEL_KCODE);
  wrmsr(MSR_SYSENTER_ESP, STACK_TOP(sysstack));
  wrmsr(MSR_SYSENTER_EIP, (u32)sysenter_target);
  struct entry e = ring0(s_sysenter);
  e.ecx = STACK_TOP(ustack); e.edx = (u32)s_done;
  run(&e);
  begin("sysenter-from-ring0"); outcome(); frame(); end();
}


static void c_task_int(void) {
  tss2_init(t2_call_entry);
  for (int i = 0; i < 3; i++) task2_seen[i] = 0;
  struct entry e = ring3(s_int_taskgate);
  run(&e);
  begin("int-task-gate-from-ring3-then-iret-back"); outcome();
  field("t2-tr", task2_seen[0], 4); field("t2-eflags", task2_seen[1], 8); field("t2-link", tss2.link, 4);
  field("t1-saved-cs", tss.cs, 4); puts(" t1-saved-eip="); addr(tss.eip); field("t1-saved-ss", tss.ss, 4);
  puts(" t1-saved-esp="); addr(tss.esp); field("t1-saved-ds", tss.ds, 4); field("t1-saved-eflags", tss.eflags, 8);
  frame(); end();
}
static void c_task_exception(void) {
  tss2_init(t2_err_entry);
  idt[T_GP] = gate(SEL_TSS2, 0, SYS_TASKGATE, 0, 0, 1);
  struct entry e = ring3(s_mov_ds);
  e.eax = SEL_TSS;
  run(&e);
  begin("gp-through-task-gate-pushes-error-code-on-new-task-stack"); outcome();
  field("error-code", rec.edx, 8); field("t2-tr", rec.eax, 4); field("t2-eflags", rec.ebx, 8);
  field("t1-saved-cs", tss.cs, 4); puts(" t1-saved-eip="); addr(tss.eip); field("t1-saved-ds", tss.ds, 4);
  frame(); end();
}
static void c_cached_dpl(void) {
  begin("iret-outer-checks-cached-dpl-not-gdt");
  u32 dpl0 = seg(0, 0xfffff, DATA(0), DESC_G | DESC_DB).hi, dpl3 = seg(0, 0xfffff, DATA(3), DESC_G | DESC_DB).hi;
  u32 w[] = {(u32)s_done, SEL_UCODE | RPL3, EFLAGS_R1, STACK_TOP(ustack), SEL_UDATA | RPL3};
  struct entry e = ring0(s_es_patch_iret);
  e.eax = SEL_SCRATCH; e.edi = (u32)&gdt[SEL_SCRATCH / 8].hi; e.ebx = dpl3;
  e.esp = stack_words((u32)case_stack_top, w, 5);
  probe("loaded-dpl0-now-dpl3", &e); field("es", rec.es, 4);
  gdt[SEL_SCRATCH / 8].hi = dpl3;
  e.eax = SEL_SCRATCH | RPL3; e.ebx = dpl0;
  e.esp = stack_words((u32)case_stack_top, w, 5);
  probe("loaded-dpl3-now-dpl0", &e); field("es", rec.es, 4);
  end();
}
static void c_cached_present(void) {
  struct entry e = ring0(s_ds_patch_reload);
  e.eax = SEL_SCRATCH; e.edi = (u32)&gdt[SEL_SCRATCH / 8].hi; e.ebx = gdt[SEL_SCRATCH / 8].hi & ~(DESC_P << 8);
  e.esi = (u32)&marker;
  run(&e);
  begin("ds-usable-after-descriptor-marked-not-present-until-reload"); outcome(); field("read", rec.ecx, 8); end();
}
static void c_bound(void) {
  static const u32 bounds[2] = {10, 20};
  begin("bound");
  struct entry e = ring3(s_bound);
  e.esi = (u32)bounds;
  e.eax = 20; probe("20-in-10-20", &e);
  e.eax = 21; probe("21", &e); putch('@'); addr(rec.frame[0]);
  e.eax = 0xffffffff; probe("-1", &e);
  end();
}

/* --- Virtual-8086 mode (SDM Vol. 3A §20.2.7 IOPL-sensitive instructions, §20.3 interrupts) --- */

#define V86_CODE 0x7000   /* CS = 0x0700, IP = 0; SS:SP = 0x0700:0x1000 */
/* An IRET from ring 0 into virtual-8086 mode at `code` (ES..GS = 0801..0804). */
static struct entry v86_entry(const char *code, u32 n, u32 eflags) {
  copy((void *)V86_CODE, code, n);
  u32 w[] = {0, V86_CODE >> 4, EFLAGS_R1 | EFLAGS_VM | eflags, 0x1000, V86_CODE >> 4, 0x0801, 0x0802, 0x0803, 0x0804};
  struct entry e = ring0(s_iret);
  e.esp = stack_words((u32)case_stack_top, w, 9);
  return e;
}
static void v86_probe(const char *label, const char *code, u32 n, u32 eflags) {
  struct entry e = v86_entry(code, n, eflags);
  probe(label, &e);
}
#define V86(label, bytes, eflags) v86_probe(label, bytes, sizeof bytes - 1, eflags)
static void c_v86_iopl0(void) {
  begin("v86-iopl0");
  V86("int40", "\xcd\x40", 0);
  V86("cli", "\xfa\xcd\x40", 0);
  V86("sti", "\xfb\xcd\x40", 0);
  V86("pushf", "\x9c\xcd\x40", 0);
  V86("popf", "\x9d\xcd\x40", 0);
  V86("iret", "\xcf\xcd\x40", 0);
  V86("int3", "\xcc\xcd\x40", 0);
  V86("into-of1", "\xce\xcd\x40", EFLAGS_OF);
  V86("icebp", "\xf1\xcd\x40", 0);
  V86("in80-then-icebp", "\xe4\x80\xf1", 0);
  V86("in81", "\xe4\x81\xf1", 0);
  V86("hlt", "\xf4\xf1", 0);
  V86("mov-ds-then-icebp", "\x8e\xd8\xf1", 0);
  V86("arpl", "\x63\xc0\xf1", 0);
  V86("sldt", "\x0f\x00\xc0\xf1", 0);
  V86("lar", "\x0f\x02\xc0\xf1", 0);
  end();
}
static void c_v86_iopl3(void) {
  tss2_init(t2_jmp_entry);
  begin("v86-iopl3");
  V86("int40", "\xcd\x40", EFLAGS_IOPL3);
  V86("int44-to-ring1-code", "\xcd\x44", EFLAGS_IOPL3);
  V86("int45-to-conforming-code", "\xcd\x45", EFLAGS_IOPL3);
  V86("int43-16bit-gate", "\xcd\x43", EFLAGS_IOPL3);
  V86("int46-task-gate", "\xcd\x46", EFLAGS_IOPL3);
  V86("cli-sti-pushf-popf", "\xfa\xfb\x9c\x9d\xcd\x40", EFLAGS_IOPL3);
  V86("int41-dpl0-gate", "\xcd\x41", EFLAGS_IOPL3);
  end();
}
static void c_v86_frame(void) {
  struct entry e = v86_entry("\xcd\x40", 2, EFLAGS_IOPL3);
  run(&e);
  begin("v86-int-to-ring0-frame-and-null-segments"); outcome(); segs(); frame(); end();
  poison();
  e = v86_entry("\xfa", 1, 0);
  run(&e);
  begin("v86-gp-frame"); outcome(); segs(); frame(); end();
}


static void c_handler_eflags(void) {
  begin("eflags-in-handler-interrupt-vs-trap-gate");
  u32 in = EFLAGS_R1 | EFLAGS_IF | EFLAGS_NT | EFLAGS_AC | EFLAGS_CF | EFLAGS_OF | 0x400 /* DF */;
  struct entry e = ring3(s_int41);
  e.eflags = in;
  idt[T_GATE_DPL0] = gate(SEL_KCODE, (u32)trap_stubs + 16 * T_GATE_DPL0, SYS_INTGATE32, 3, 0, 1);
  probe("interrupt-gate", &e); field("handler", rec.handler_eflags, 8); field("pushed", rec.frame[2], 8);
  idt[T_GATE_DPL0] = gate(SEL_KCODE, (u32)trap_stubs + 16 * T_GATE_DPL0, SYS_TRAPGATE32, 3, 0, 1);
  probe("trap-gate", &e); field("handler", rec.handler_eflags, 8); field("pushed", rec.frame[2], 8);
  e = ring3(s_tf_plain);
  e.eflags = in;
  probe("db-single-step", &e); field("handler", rec.handler_eflags, 8); field("pushed", rec.frame[2], 8);
  end();
}
static void c_idt_gate_types(void) {
  static const struct { const char *label; u32 type; u16 sel; int present; } g[] = {
    {"call-gate", SYS_CALLGATE32, SEL_KCODE, 1}, {"data-descriptor", DESC_S | TYPE_DATA_RW, SEL_KCODE, 1},
    {"reserved-type-d", 0xd, SEL_KCODE, 1}, {"null-selector", SYS_INTGATE32, 0, 1},
    {"selector-data-segment", SYS_INTGATE32, SEL_KDATA, 1}, {"selector-not-present-code", SYS_INTGATE32, SEL_CODE_NP, 1},
    {"selector-beyond-gdt", SYS_INTGATE32, 0x1f8, 1}, {"selector-ldt", SYS_INTGATE32, SEL_LDT1, 1},
    {"trap-gate-16", SYS_TRAPGATE16, SEL_IG16CODE, 1}, {"task-gate-to-busy-tss", SYS_TASKGATE, SEL_TSS, 1},
  };
  begin("int41-through-idt-entry");
  for (unsigned i = 0; i < ARRAY_SIZE(g); i++) {
    idt[T_GATE_DPL0] = gate(g[i].sel, g[i].type == SYS_TRAPGATE16 ? 0 : (u32)trap_stubs + 16 * T_GATE_DPL0, g[i].type, 3, 0, g[i].present);
    struct entry e = ring3(s_int41);
    probe(g[i].label, &e);
  }
  end();
}
static void c_16bit_returns(void) {
  begin("16-bit-operand-size-returns");
  struct entry e = ring0(s_iretw);
  u32 w1[] = {(u32)SEL_CG16CODE << 16 | 0, 0x0002};
  e.esp = stack_words((u32)case_stack_top, w1, 2); probe("iretw-same-ring", &e); putch(','); addr(rec.frame[0]);
  u32 w2[] = {(SEL_UCG | RPL3) << 16 | 0, 0x0f000002, SEL_UDATA | RPL3};
  e.esp = stack_words((u32)case_stack_top, w2, 3); probe("iretw-to-ring3", &e); putch(','); hex(rec.frame[3], 8);
  e = ring0(s_lretw);
  u32 w3[] = {(SEL_UCG | RPL3) << 16 | 0, (SEL_UDATA | RPL3) << 16 | 0x0f00};
  e.esp = stack_words((u32)case_stack_top, w3, 2); probe("retfw-to-ring3", &e); putch(','); hex(rec.frame[3], 8);
  end();
}
static void c_esp0_zero(void) {
  /* ESP0 = 0: the frame is pushed at 0xFFFFFFEC-0xFFFFFFFF. A #DF goes through a task gate, so a
   * processor that faults here cannot take the rest of the run with it. */
  tss2_init(t2_err_entry);
  idt[T_DF] = gate(SEL_TSS2, 0, SYS_TASKGATE, 0, 0, 1);
  tss.esp0 = 0;
  fill32(wrap_frame, 0xa5a5a5a5, 4096);
  struct entry e = ring3(s_done);
  run(&e);
  begin("int-ring3-with-tss-esp0-zero-wraps"); outcome(); puts(" frame-esp="); addr(rec.frame_esp);
  if (rec.frame_esp >= 0xfffff000) { puts(" frame=["); for (u32 i = 0; i < rec.nframe; i++) { if (i) putch(' '); addr(rec.frame[i]); } putch(']'); }
  else { field("via-df-task-error", rec.edx, 8); }
  end();
}
static void c_fpu_traps(void) {
  begin("x87-instructions-and-cr0-em-ts-mp");
  struct entry e = ring0(s_fninit);
  write_cr0(CR0_BASE | CR0_EM); probe("fninit-em1", &e);
  write_cr0(CR0_BASE | CR0_TS); probe("fninit-ts1", &e);
  e = ring0(s_wait);
  write_cr0(CR0_BASE | CR0_TS | CR0_MP); probe("wait-ts1-mp1", &e);
  write_cr0(CR0_BASE | CR0_TS); probe("wait-ts1-mp0", &e);
  write_cr0(CR0_BASE | CR0_EM); probe("wait-em1-mp0", &e);
  write_cr0(CR0_BASE);
  end();
}

static void (*const cases[])(void) = {
  c_iret_outer_nulls, c_iret_outer_null_rpl, c_iret_ring1, c_retf_outer, c_retf8_outer,
  c_callgate32, c_callgate16, c_callgate_retf8, c_callgate_faults, c_call_conforming, c_far_faults_ring0,
  c_return_faults,
  c_int_dpl, c_int3_frame, c_icebp_frame, c_int16, c_int_conforming, c_int0e_soft, c_int_straddle,
  c_int_straddle_ro, c_df_gp, c_df_gp_ring3, c_ud_np, c_df_pf, c_gp_ext_gate_ts,
  c_expdown_b1, c_expdown_b0, c_gran, c_expdown_g, c_flat_wrap, c_segment_rights,
  c_mov_ds, c_mov_ss0, c_mov_ss3, c_lds_null, c_ss_ebp, c_ss_expdown, c_ss_16,
  c_tf_plain, c_popss_tf, c_movss_tf,
  c_lar0, c_lar3, c_lsl0, c_lsl3, c_verr0, c_verr3, c_verw3, c_arpl, c_accessed,
  c_sgdt_sidt, c_r32, c_r16_mem, c_push_sreg, c_lmsw, c_privileged, c_ltr_lldt, c_ldt,
  c_io, c_io_limit,
  c_sysenter, c_sysenter_rpl, c_sysenter_zero, c_sysexit_wrap,
  c_pf_codes, c_pf_ad, c_pse, c_invlpg, c_iret_pop_straddle, c_retf_pop_straddle,
  c_cs_limit, c_lock,
  c_task_call, c_task_jmp, c_task_faults, c_tss_stack, c_callgate_stacks, c_eip_limit, c_idt_limit, c_eflags,
  c_straddle, c_rep_fault, c_rmw_page, c_rmw_seg, c_stack_operands, c_ud, c_align, c_breakpoints, c_sysenter_ring0,
  c_task_int, c_task_exception, c_cached_dpl, c_cached_present, c_bound, c_v86_iopl0, c_v86_iopl3, c_v86_frame,
  c_handler_eflags, c_idt_gate_types, c_16bit_returns, c_esp0_zero, c_fpu_traps,
};

/* ------------------------------------------------------------------------------------------ */

static void shutdown(void) {
  for (const char *s = "Shutdown"; *s; s++) outb(0x8900, (u8)*s);   /* Bochs and trapgate power off */
}

void kmain(void) {
  outb(0x21, 0xff);   /* mask every IRQ at both 8259s */
  outb(0xa1, 0xff);
  gdt_init();
  idt_init();
  tss_init();
  gdtr = (struct pseudo_desc){sizeof gdt - 1, (u32)gdt};
  idtr = (struct pseudo_desc){sizeof idt - 1, (u32)idt};
  __asm__ volatile(
      "lgdt %0\n\t"
      "ljmp %1, $1f\n"
      "1:\n\t"
      "mov %2, %%eax\n\t"
      "mov %%eax, %%ds\n\t"
      "mov %%eax, %%es\n\t"
      "mov %%eax, %%fs\n\t"
      "mov %%eax, %%gs\n\t"
      "mov %%eax, %%ss\n\t"
      "lidt %3" ::"m"(gdtr), "i"(SEL_KCODE), "i"(SEL_KDATA), "m"(idtr) : "eax", "memory");
  ltr(SEL_TSS);
  lldt(SEL_LDT);
  copy(gdt_saved, gdt, sizeof gdt);
  copy(idt_saved, idt, sizeof idt);
  paging_init();
  puts("\ntrapgate protection test kernel\n");
  for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
    restore();
    poison();
    cases[i]();
  }
  restore();
  puts("end of cases\n");
  shutdown();
}
