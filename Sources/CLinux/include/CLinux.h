// C shims for what Swift cannot do on Linux. Each function is prefixed `cfs_` and says
// why it cannot be written in Swift. Filled in by the engine (see Sources/Sandbox).
#ifndef CFS_CLINUX_H
#define CFS_CLINUX_H
#endif
