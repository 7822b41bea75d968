/* int80 — system calls through int $0x80 only: the IDT gate with DPL 3. */
#include "ulib.h"
#include "entrydemo.h"

int main(void) {
  return entry_demo(TG_PATH_INT80, __syscall_int80);
}
