//! The laptop camera, for candidate photos taken at the desk.
//!
//! The window asks with `getUserMedia` and shows its "Use the camera" button only when a camera is
//! listed. WebKitGTK answers such a request with "no" unless the app handles it, so on Linux the app
//! allows video (never the microphone or the screen) for its own window; the app loads only its own
//! bundled pages, so no other origin can ask. WebView2 on Windows asks the person itself, and macOS
//! asks through the system prompt whose wording is `NSCameraUsageDescription` in `Info.plist`.

/// Lets the window use the camera. Debug builds with `CENTREBOOK_TEST_MOCK_CAMERA` set use WebKit's
/// built-in test camera (a moving test pattern), so the WebDriver tests take a real frame without a
/// real camera.
#[cfg(target_os = "linux")]
pub fn allow(window: &tauri::WebviewWindow) {
    use webkit2gtk::glib::Cast;
    use webkit2gtk::{PermissionRequestExt, SettingsExt, UserMediaPermissionRequest, WebViewExt};

    let _ = window.with_webview(|platform| {
        let view = platform.inner();
        if let Some(settings) = WebViewExt::settings(&view) {
            settings.set_enable_media_stream(true);
            #[cfg(debug_assertions)]
            if std::env::var_os("CENTREBOOK_TEST_MOCK_CAMERA").is_some() {
                settings.set_enable_mock_capture_devices(true);
            }
        }
        view.connect_permission_request(|_, request| {
            use webkit2gtk::UserMediaPermissionRequestExt;
            match request.downcast_ref::<UserMediaPermissionRequest>() {
                Some(media) if media.is_for_video_device() && !media.is_for_audio_device() => {
                    request.allow();
                    true
                }
                // Anything else gets WebKit's own answer, which is no.
                _ => false,
            }
        });
    });
}

#[cfg(not(target_os = "linux"))]
pub fn allow(_window: &tauri::WebviewWindow) {}
