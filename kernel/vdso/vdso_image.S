/* vdso_image.S — the built vDSO (build/kernel/vdso/vdso.so), embedded in the kernel image. */
.section .rodata
.p2align 12
.globl vdso_image, vdso_image_end
vdso_image:
  .incbin "vdso.so"
vdso_image_end:

.section .note.GNU-stack, "", @progbits
