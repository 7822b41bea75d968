/* ldt.h — struct user_desc of set_thread_area(243) (arch/x86/include/uapi/asm/ldt.h). */
#ifndef UAPI_LDT_H
#define UAPI_LDT_H
struct user_desc {
  uint32_t entry_number;      /* GDT index (6..8 here, as Linux's GDT_ENTRY_TLS_MIN..MAX), or -1 */
  uint32_t base_addr;
  uint32_t limit;
  uint32_t seg_32bit : 1;
  uint32_t contents : 2;      /* 0 data, 1 data expand-down, 2 code (non-conforming) */
  uint32_t read_exec_only : 1;
  uint32_t limit_in_pages : 1;
  uint32_t seg_not_present : 1;
  uint32_t useable : 1;
};
#define GDT_ENTRY_TLS_MIN 6
#define GDT_ENTRY_TLS_MAX 8
#define GDT_ENTRY_TLS_ENTRIES 3
#endif
