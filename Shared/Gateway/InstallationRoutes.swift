import Foundation
import Hummingbird

/// What this installation is and holds: APPPACCAP, installation-wide
/// counts, the sensors and their network adapters.
struct InstallationRoutes {
    let search: any SearchBackend

    var collection: ResourceRoutes {
        let routes = ResourceRoutes()
        routes.get("info") { _, _ in try Response.envelope(AppPacCapObject(version: GatewayRouter.version)) }
        routes.get("stats") { _, _ in
            try Response.envelope(StatsQueryObject(try await search.reply(to: .installation(.getTotals), \.totals)))
        }
        routes.get("sensors") { _, _ in
            let sensors = try await search.reply(to: .installation(.listSensors), \.sensors)
            return try Response.envelope(ListObject(items: sensors.map(SensorObject.init), lastID: UInt64(sensors.count)))
        }
        routes.get("adapters") { request, _ in
            let adapters = try await search.reply(to: .installation(.listAdapters(sensorID: try Self.sensor(request))), \.adapters)
            return try Response.envelope(ListObject(items: adapters.map(NetAdapterObject.init),
                                                    lastID: UInt64(adapters.count)))
        }
        return routes
    }

    /// `sensor`: one sensor's id, nil for all.
    static func sensor(_ request: Request) throws(APIError) -> UUID? {
        guard let text = request.query("sensor") else { return nil }
        guard let id = UUID(uuidString: text) else { throw .malformed("sensor must be a sensor id (a UUID)") }
        return id
    }
}
