/*
 * keel/version.h — the release and build strings uname(2) and /proc/version report.
 */
#ifndef KEEL_VERSION_H
#define KEEL_VERSION_H

#define KEEL_RELEASE	"0.4"
#define KEEL_VERSION	"#1 SMP " __DATE__ " " __TIME__

#endif
