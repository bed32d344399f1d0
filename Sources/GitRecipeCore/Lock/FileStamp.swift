import Foundation

/// What the hash cache compares to decide whether a file may have changed since it was
/// hashed: the same fields git's index uses.
struct FileStamp: Hashable, Sendable {
    /// The device the file is on.
    var device: UInt64
    /// Its inode.
    var inode: UInt64
    /// Its size in bytes.
    var size: Int64
    /// Modification and status-change times, in nanoseconds since the epoch.
    var modified: Int64
    /// The inode change time, in nanoseconds.
    public var changed: Int64

    /// The stamp of a file as `stat` described it.
    init(_ info: stat) {
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        size = Int64(info.st_size)
        modified = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
        changed = Int64(info.st_ctim.tv_sec) * 1_000_000_000 + Int64(info.st_ctim.tv_nsec)
    }

    /// Which file this is, whatever its path.
    var identity: FileIdentity { FileIdentity(device: device, inode: inode) }

    /// A stamp with the given fields, as `stat` reports them.
    public init(device: UInt64, inode: UInt64, size: Int64, modified: Int64, changed: Int64) {
        self.device = device
        self.inode = inode
        self.size = size
        self.modified = modified
        self.changed = changed
    }
}

/// A file's identity on this machine: its device and inode.
struct FileIdentity: Hashable, Sendable {
    let device: UInt64
    let inode: UInt64
}
