//! Key files that are re-read without a restart: on `SIGHUP`, and when
//! their content changes on disk (checked every second by default; see
//! `SecurityConfigBuilder::key_file_poll_interval`).
//!
//! A file that fails to load keeps the last good set in service and logs an
//! error naming the setting, so a half-written or mistyped file never locks
//! valid callers out. Replace files atomically (write a temporary file, then
//! rename it over the old one) so that a reader never sees half a file.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock, Weak};
use std::time::{Duration, Instant};

use crate::error::ConfigError;

/// How often watched files are compared with what was last loaded, unless
/// configured otherwise.
pub(crate) const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(1);

/// How often the watcher thread wakes to see which files are due.
const TICK: Duration = Duration::from_millis(100);

/// Turns a file's bytes into a key set; the error says what is wrong.
type Loader<T> = Box<dyn Fn(&[u8]) -> Result<T, String> + Send + Sync>;

/// A key set loaded from a file, replaced whole when the file changes.
pub(crate) struct Watched<T> {
    path: PathBuf,
    setting: &'static str,
    load: Loader<T>,
    /// `None`: reloaded on `SIGHUP` only.
    poll: Option<Duration>,
    last_poll: Mutex<Instant>,
    current: RwLock<Arc<T>>,
    /// How many times a new set was swapped in; verified-token caches
    /// compare it to forget what an older set verified.
    generation: AtomicU64,
    /// The bytes the current set was loaded from (or last failed to load
    /// from), so an unchanged file is not parsed again; `None` after a
    /// failed read, so each failure is logged once, not at every poll.
    seen: Mutex<Option<Vec<u8>>>,
}

impl<T: Send + Sync + 'static> Watched<T> {
    /// Loads `path` once and registers it for reloading on `SIGHUP` and,
    /// with `poll`, whenever its content differs at a check every `poll`.
    ///
    /// # Errors
    /// A [`ConfigError`] for `setting` when the file cannot be read or
    /// loaded: start-up must stop.
    pub(crate) fn open(
        path: &Path,
        setting: &'static str,
        load: impl Fn(&[u8]) -> Result<T, String> + Send + Sync + 'static,
        poll: Option<Duration>,
    ) -> Result<Arc<Self>, ConfigError> {
        let bytes = read(path).map_err(|e| ConfigError::new(setting, e))?;
        let set = load(&bytes)
            .map_err(|e| ConfigError::new(setting, format!("`{}`: {e}", path.display())))?;
        let watched = Arc::new(Self {
            path: path.to_path_buf(),
            setting,
            load: Box::new(load),
            poll,
            last_poll: Mutex::new(Instant::now()),
            current: RwLock::new(Arc::new(set)),
            generation: AtomicU64::new(0),
            seen: Mutex::new(Some(bytes)),
        });
        let weak: Weak<dyn Reload> = Arc::downgrade(&(watched.clone() as Arc<dyn Reload>));
        registry()
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(weak);
        start_watching();
        Ok(watched)
    }

    /// How many times a new set was swapped in since the file was opened.
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// The key set in service now.
    pub(crate) fn current(&self) -> Arc<T> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// Something [`reload_all`] re-reads.
trait Reload: Send + Sync {
    /// Re-reads the file and swaps in the new set if it changed and loads.
    fn reload(&self);
    /// Whether a poll is due now (and, if so, starts the next period).
    fn poll_due(&self) -> bool;
}

impl<T: Send + Sync + 'static> Reload for Watched<T> {
    fn poll_due(&self) -> bool {
        let Some(every) = self.poll else { return false };
        let mut last = self.last_poll.lock().unwrap_or_else(|e| e.into_inner());
        if last.elapsed() < every {
            return false;
        }
        *last = Instant::now();
        true
    }

    fn reload(&self) {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        let bytes = match read(&self.path) {
            Ok(bytes) => bytes,
            Err(e) => {
                if seen.take().is_some() {
                    tracing::error!(
                        target: "secure_api::config",
                        setting = self.setting,
                        error = %e,
                        "cannot re-read the key file; the last good keys stay in service"
                    );
                }
                return;
            }
        };
        if seen.as_ref() == Some(&bytes) {
            return;
        }
        match (self.load)(&bytes) {
            Ok(set) => {
                *self.current.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(set);
                self.generation.fetch_add(1, Ordering::AcqRel);
                tracing::info!(
                    target: "secure_api::config",
                    setting = self.setting,
                    path = %self.path.display(),
                    "key file reloaded"
                );
            }
            Err(e) => tracing::error!(
                target: "secure_api::config",
                setting = self.setting,
                path = %self.path.display(),
                error = %e,
                "the changed key file does not load; the last good keys stay in service"
            ),
        }
        *seen = Some(bytes);
    }
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))
}

fn registry() -> &'static Mutex<Vec<Weak<dyn Reload>>> {
    static REGISTRY: OnceLock<Mutex<Vec<Weak<dyn Reload>>>> = OnceLock::new();
    REGISTRY.get_or_init(|| Mutex::new(Vec::new()))
}

/// The live watched files; dropped ones are forgotten.
fn live() -> Vec<Arc<dyn Reload>> {
    let mut registry = registry().lock().unwrap_or_else(|e| e.into_inner());
    registry.retain(|w| w.strong_count() > 0);
    registry.iter().filter_map(Weak::upgrade).collect()
}

/// Re-reads every live watched file.
fn reload_all() {
    for watched in live() {
        watched.reload();
    }
}

/// Re-reads the watched files whose poll is due.
fn poll_due() {
    for watched in live() {
        if watched.poll_due() {
            watched.reload();
        }
    }
}

/// Starts, once per process, the thread that polls watched files and (on
/// Unix) the thread that reloads them on `SIGHUP`. Called for every
/// configuration, with key files or not, so that `SIGHUP` (the usual
/// "reload" signal of service managers) never ends the process.
pub(crate) fn start_watching() {
    static STARTED: OnceLock<()> = OnceLock::new();
    STARTED.get_or_init(|| {
        let poll = std::thread::Builder::new()
            .name("secure-api-key-reload".into())
            .spawn(|| {
                loop {
                    std::thread::sleep(TICK);
                    poll_due();
                }
            });
        if let Err(e) = poll {
            tracing::error!(target: "secure_api::config", error = %e, "cannot start the key file watcher");
        }
        #[cfg(unix)]
        on_sighup();
    });
}

#[cfg(unix)]
fn on_sighup() {
    use signal_hook::consts::SIGHUP;
    use signal_hook::iterator::Signals;
    let mut signals = match Signals::new([SIGHUP]) {
        Ok(signals) => signals,
        Err(e) => {
            tracing::error!(target: "secure_api::config", error = %e, "cannot listen for SIGHUP");
            return;
        }
    };
    let started = std::thread::Builder::new()
        .name("secure-api-sighup".into())
        .spawn(move || {
            for _ in signals.forever() {
                tracing::info!(target: "secure_api::config", "SIGHUP: reloading key files");
                reload_all();
            }
        });
    if let Err(e) = started {
        tracing::error!(target: "secure_api::config", error = %e, "cannot start the SIGHUP listener");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_number(bytes: &[u8]) -> Result<u32, String> {
        std::str::from_utf8(bytes)
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .ok_or_else(|| "not a number".to_owned())
    }

    #[test]
    fn a_changed_file_is_swapped_in_and_a_bad_one_keeps_the_last_good_set() {
        let dir = std::env::temp_dir().join(format!("secure-api-reload-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let path = dir.join("n.txt");
        assert!(std::fs::write(&path, "1").is_ok());
        let watched = Watched::open(&path, "TEST", parse_number, None);
        let Ok(watched) = watched else {
            panic!("the first load failed")
        };
        assert_eq!(*watched.current(), 1);
        assert!(std::fs::write(&path, "2").is_ok());
        watched.reload();
        assert_eq!(*watched.current(), 2);
        assert!(std::fs::write(&path, "not a number").is_ok());
        watched.reload();
        assert_eq!(*watched.current(), 2);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_bad_first_load_names_the_setting() {
        let e = Watched::open(
            Path::new("/nonexistent/keys"),
            "TEST_SETTING",
            parse_number,
            None,
        )
        .err();
        assert_eq!(e.map(|e| e.setting()), Some("TEST_SETTING"));
    }
}
