//! Placeholder from the `webui` branch: the fleet web page's assets, embedded as the server
//! serves them (`/`, `/assets/app.js`, `/assets/app.css`). The `server` branch replaces this file.

/// `GET /`.
pub const INDEX_HTML: &str = include_str!("../web/index.html");
/// `GET /assets/app.js`.
pub const APP_JS: &str = include_str!("../web/app.js");
/// `GET /assets/app.css`.
pub const APP_CSS: &str = include_str!("../web/app.css");
