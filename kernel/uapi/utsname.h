/* utsname.h — struct new_utsname of uname(122) (include/uapi/linux/utsname.h). */
#ifndef UAPI_UTSNAME_H
#define UAPI_UTSNAME_H
#define NEW_UTS_LEN 64
struct new_utsname {
  char sysname[NEW_UTS_LEN + 1];
  char nodename[NEW_UTS_LEN + 1];
  char release[NEW_UTS_LEN + 1];
  char version[NEW_UTS_LEN + 1];
  char machine[NEW_UTS_LEN + 1];
  char domainname[NEW_UTS_LEN + 1];
};
#endif
