import Foundation
import Hummingbird

/// `GET /health`: liveness, no key needed, plain JSON.
struct HealthRoutes {
    let deploymentID: String?

    var collection: ResourceRoutes {
        let routes = ResourceRoutes()
        routes.get("health") { _, _ in
            Response.json(Array(try JSONEncoder().encode(HealthAnswer(deployment: deploymentID))))
        }
        return routes
    }
}
