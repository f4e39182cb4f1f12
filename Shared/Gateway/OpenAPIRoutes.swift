import Hummingbird

/// `GET /openapi.json`: the OpenAPI document of these routes.
struct OpenAPIRoutes {
    var collection: ResourceRoutes {
        let routes = ResourceRoutes()
        routes.get("openapi.json") { _, _ in Response.json(OpenAPIDocument.bytes) }
        return routes
    }
}
