/* exitcode — exit with the status given as argv[1] (the last module's status leaves QEMU
 * through the isa-debug-exit port). */
#include "ulib.h"

int main(int argc, char **argv) {
  int status = argc > 1 ? (int)strtol(argv[1], NULL, 0) : 0;
  printf("exitcode: exit(%d)\n", status);
  return status;
}
