import Events

/// The native API under `/api/v1`: AppPacCap objects in the RESPONSE
/// envelope. Its routes (`routes`, APIRoute.swift) are served by one
/// `RouteCollection` a resource, which `buildRouter` adds.
public enum GatewayRouter {
    public static let version = "NetSift 0.4"

    /// The application protocols whose events are stored, by dataset name (`Dataset.all`).
    static let datasets = Dataset.all.map(\.name)
}
