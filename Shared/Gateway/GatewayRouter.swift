/// The native API under `/api/v1`: AppPacCap objects in the RESPONSE
/// envelope. Its routes (`routes`, APIRoute.swift) are served by one
/// `RouteCollection` a resource, which `buildRouter` adds.
public enum GatewayRouter {
    public static let version = "NetSift 0.4"

    /// The application protocols whose events are stored, by dataset name.
    static let datasets = ["dns", "http", "tls", "dhcp", "icmp"]
}
