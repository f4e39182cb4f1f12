import Foundation

/// A veth pair for one test: `captureEnd` stays in the root namespace (where
/// libpcap opens interfaces), `sendEnd` lives in a private namespace so
/// nothing else on the machine sends through it. IPv6 is off on both ends
/// (no neighbour discovery or MLD noise) and neither has an address.
/// `remove()` deletes the namespace, which destroys both ends.
public struct VethPair: Sendable {
    public let namespace: String
    public let captureEnd: String
    public let sendEnd: String
    private let ip: String
    private let sysctl: String

    public init(ip: String, sysctl: String, tag: String = String(getpid())) throws {
        self.ip = ip
        self.sysctl = sysctl
        namespace = "nstest\(tag)"
        captureEnd = "vsA\(tag)"   // interface names have at most 15 characters
        sendEnd = "vsB\(tag)"
        remove()   // leftovers of a crashed run with the same pid
        do {
            try LiveEnvironment.run(ip, ["netns", "add", namespace])
            try LiveEnvironment.run(ip, ["link", "add", captureEnd, "type", "veth", "peer", "name", sendEnd,
                                        "netns", namespace])
            try LiveEnvironment.run(sysctl, ["-qw", "net.ipv6.conf.\(captureEnd).disable_ipv6=1"])
            try inNamespace([sysctl, "-qw", "net.ipv6.conf.\(sendEnd).disable_ipv6=1"])
            try LiveEnvironment.run(ip, ["link", "set", captureEnd, "up"])
            try inNamespace([ip, "link", "set", sendEnd, "up"])
        } catch {
            remove()
            throw error
        }
    }

    /// Runs a command inside the namespace (`ip netns exec`).
    @discardableResult
    public func inNamespace(_ command: [String]) throws -> String {
        try LiveEnvironment.run(ip, ["netns", "exec", namespace] + command)
    }

    /// Idempotent; failures are ignored (the links may already be gone).
    public func remove() {
        _ = try? LiveEnvironment.run(ip, ["netns", "delete", namespace])
        _ = try? LiveEnvironment.run(ip, ["link", "delete", captureEnd])
    }
}
