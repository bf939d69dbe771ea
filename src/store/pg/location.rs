//! Where a PostgreSQL store is: a `postgres://` / `postgresql://` URL as `--db` (or
//! `$ROLODEX_DB`) gives it, read the libpq way — host (a name, or the directory of a Unix
//! socket), port, user, dbname, `sslmode`; a password from the URL, `$PGPASSWORD` or
//! `~/.pgpass` — and shown everywhere without its password.

use std::path::{Path, PathBuf};

use postgres::config::{Host, SslMode};
use postgres::Config;

use crate::store::{Result, StoreError};

/// The schema a store lives in when `--pg-schema` names none.
pub const DEFAULT_SCHEMA: &str = "rolodex";

/// A PostgreSQL store: how to connect, the schema it owns, and how to name it to the user.
#[derive(Clone)]
pub struct PgLocation {
    pub(crate) config: Config,
    pub(crate) schema: String,
    shown: String,
}

impl std::fmt::Debug for PgLocation {
    // Config's own Debug redacts the password too, but the shown form is what users read.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgLocation")
            .field("store", &self.shown)
            .finish()
    }
}

/// Whether `--db` names a PostgreSQL store rather than a file.
pub fn is_postgres_url(text: &str) -> bool {
    let lower = text.get(..13).unwrap_or(text).to_ascii_lowercase();
    lower.starts_with("postgres://") || lower.starts_with("postgresql://")
}

/// Whether `--db`, as a path, is a PostgreSQL URL.
pub fn is_postgres_path(path: &Path) -> bool {
    path.to_str().is_some_and(is_postgres_url)
}

/// `text` with any password in it replaced by `***`: the user-info of a URL
/// (`user:secret@`) and a `password=` parameter. For text that could not be parsed, so
/// it is shown as given, less what must never be printed.
pub fn redact(text: &str) -> String {
    let mut out = text.to_string();
    if let Some(scheme_end) = out.find("://") {
        let rest = scheme_end + 3;
        let authority_end = out[rest..].find(['/', '?']).map_or(out.len(), |i| rest + i);
        if let Some(at) = out[rest..authority_end].rfind('@') {
            let userinfo = &out[rest..rest + at];
            if let Some(colon) = userinfo.find(':') {
                out.replace_range(rest + colon + 1..rest + at, "***");
            }
        }
    }
    let lower = out.to_ascii_lowercase();
    if let Some(p) = lower.find("password=") {
        let start = p + "password=".len();
        let end = out[start..]
            .find(['&', ' '])
            .map_or(out.len(), |i| start + i);
        out.replace_range(start..end, "***");
    }
    out
}

impl PgLocation {
    /// Reads `url` the libpq way; `schema` is `--pg-schema`. What the URL leaves out comes
    /// from `$PGHOST`, `$PGPORT`, `$PGUSER`, `$PGDATABASE` and `$PGPASSWORD`, then
    /// `~/.pgpass`, as psql would take it.
    pub fn parse(url: &str, schema: &str) -> Result<PgLocation> {
        PgLocation::parse_with(url, schema, &|name| std::env::var(name).ok())
    }

    /// `parse`, with the environment given (tests).
    pub fn parse_with(
        url: &str,
        schema: &str,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<PgLocation> {
        let bad = |why: String| StoreError::BadLocation {
            store: redact(url),
            why,
        };
        if !valid_schema(schema) {
            return Err(bad(format!(
                "--pg-schema {schema:?} is not a plain schema name (letters, digits and _, not starting with a digit, at most 63)"
            )));
        }
        let mut config: Config = url.parse().map_err(|e: postgres::Error| {
            // The parser's message quotes no password, but may quote the text around it.
            bad(redact(&e.to_string()))
        })?;
        if config.get_hosts().is_empty() {
            match env("PGHOST") {
                Some(h) if h.starts_with('/') => {
                    config.host_path(h);
                }
                Some(h) => {
                    config.host(&h);
                }
                None => {
                    // libpq's default: the distribution's socket directory.
                    let dir = ["/var/run/postgresql", "/tmp"]
                        .into_iter()
                        .find(|d| Path::new(d).is_dir())
                        .unwrap_or("/tmp");
                    config.host_path(dir);
                }
            }
        }
        if config.get_ports().is_empty() {
            if let Some(port) = env("PGPORT").and_then(|p| p.parse().ok()) {
                config.port(port);
            }
        }
        if config.get_user().is_none() {
            if let Some(user) = env("PGUSER").or_else(|| env("USER")) {
                config.user(&user);
            }
        }
        if config.get_dbname().is_none() {
            if let Some(db) = env("PGDATABASE").or_else(|| config.get_user().map(str::to_string)) {
                config.dbname(&db);
            }
        }
        if config.get_password().is_none() {
            if let Some(pw) = env("PGPASSWORD") {
                config.password(pw);
            } else if let Some(pw) = pgpass_password(&config, env) {
                config.password(pw);
            }
        }
        if matches!(config.get_ssl_mode(), SslMode::Require) {
            return Err(bad(
                "sslmode=require asks for TLS, which this rolodex cannot speak yet; connect over a Unix socket or a trusted network with sslmode=disable or prefer".into(),
            ));
        }
        let shown = shown(&config);
        Ok(PgLocation {
            config,
            schema: schema.to_string(),
            shown,
        })
    }

    /// The store as users read it: `postgres://user@host:port/dbname (schema rolodex)`,
    /// never with a password.
    pub fn shown(&self) -> &str {
        &self.shown
    }

    pub fn schema(&self) -> &str {
        &self.schema
    }

    /// The shown form as the path store errors name (`StoreError::Busy(path)` and the
    /// like read the same for both backends).
    pub fn as_path(&self) -> PathBuf {
        PathBuf::from(&self.shown)
    }
}

fn valid_schema(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && !s.starts_with(|c: char| c.is_ascii_digit())
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// The first host as `~/.pgpass` and messages name it (a socket directory counts as
/// `localhost` for `.pgpass`, as libpq has it).
fn host_text(config: &Config) -> (String, bool) {
    match config.get_hosts().first() {
        Some(Host::Tcp(h)) => (h.clone(), false),
        Some(Host::Unix(dir)) => (dir.display().to_string(), true),
        None => ("localhost".into(), false),
    }
}

fn shown(config: &Config) -> String {
    let (host, socket) = host_text(config);
    let host = if socket {
        // A socket directory is a path: put it where a URL's host goes, percent-encoded.
        host.replace('/', "%2F")
    } else {
        host
    };
    let port = config
        .get_ports()
        .first()
        .filter(|p| **p != 5432)
        .map(|p| format!(":{p}"))
        .unwrap_or_default();
    let user = config
        .get_user()
        .map(|u| format!("{u}@"))
        .unwrap_or_default();
    let db = config.get_dbname().unwrap_or_default();
    format!("postgres://{user}{host}{port}/{db}")
}

/// The password `~/.pgpass` (or `$PGPASSFILE`) holds for this connection: the first line
/// `host:port:database:user:password` matching it, `*` matching anything. Ignored, as
/// libpq ignores it, when others may read the file.
fn pgpass_password(config: &Config, env: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    let file = env("PGPASSFILE")
        .map(PathBuf::from)
        .or_else(|| env("HOME").map(|h| Path::new(&h).join(".pgpass")))?;
    let meta = std::fs::metadata(&file).ok()?;
    {
        use std::os::unix::fs::PermissionsExt;
        if meta.permissions().mode() & 0o077 != 0 {
            return None;
        }
    }
    let text = std::fs::read_to_string(&file).ok()?;
    let (host, socket) = host_text(config);
    let port = config
        .get_ports()
        .first()
        .copied()
        .unwrap_or(5432)
        .to_string();
    let db = config.get_dbname().unwrap_or_default();
    let user = config.get_user().unwrap_or_default();
    pgpass_lookup(&text, &host, socket, &port, db, user)
}

/// The matching line of a `.pgpass` text (see `pgpass_password`).
fn pgpass_lookup(
    text: &str,
    host: &str,
    socket: bool,
    port: &str,
    db: &str,
    user: &str,
) -> Option<String> {
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .find_map(|line| {
            let fields = pgpass_fields(line);
            let [h, p, d, u, pw] = <[String; 5]>::try_from(fields).ok()?;
            let host_ok = h == "*" || h == host || (socket && h == "localhost");
            let ok = host_ok
                && (p == "*" || p == port)
                && (d == "*" || d == db)
                && (u == "*" || u == user);
            ok.then_some(pw)
        })
}

/// A `.pgpass` line's fields: `:` separates, `\:` and `\\` escape.
fn pgpass_fields(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let (Some(next), Some(last)) = (chars.next(), fields.last_mut()) {
                    last.push(next);
                }
            }
            ':' if fields.len() < 5 => fields.push(String::new()),
            c => {
                if let Some(last) = fields.last_mut() {
                    last.push(c);
                }
            }
        }
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn postgres_urls_are_told_from_paths() {
        assert!(is_postgres_url("postgres://h/db"));
        assert!(is_postgres_url("PostgreSQL://h/db"));
        assert!(!is_postgres_url("postgres.redb"));
        assert!(!is_postgres_url("/tmp/postgres://x"));
    }

    #[test]
    fn a_password_is_never_shown() {
        let loc = PgLocation::parse_with(
            "postgres://alice:s3cret@db.example:6543/crm",
            "rolodex",
            &no_env,
        )
        .expect("parses");
        assert_eq!(loc.shown(), "postgres://alice@db.example:6543/crm");
        assert!(!format!("{loc:?}").contains("s3cret"));
        assert_eq!(loc.config.get_password(), Some(&b"s3cret"[..]));
        assert_eq!(
            redact("postgres://alice:s3cret@h/db?password=other&x=1"),
            "postgres://alice:***@h/db?password=***&x=1"
        );
        assert_eq!(redact("postgres://alice@h/db"), "postgres://alice@h/db");
    }

    #[test]
    fn a_bad_url_is_refused_without_its_password() {
        let e = PgLocation::parse_with(
            "postgres://alice:s3cret@h/db?nonsense=1",
            "rolodex",
            &no_env,
        )
        .expect_err("refused");
        let text = e.to_string();
        assert!(!text.contains("s3cret"), "{text}");
        assert!(text.contains("postgres://alice:***@h/db"), "{text}");
    }

    #[test]
    fn a_socket_directory_and_the_environment_fill_the_gaps() {
        let env = |name: &str| match name {
            "PGUSER" => Some("bob".to_string()),
            "PGPASSWORD" => Some("pw".to_string()),
            _ => None,
        };
        let loc =
            PgLocation::parse_with("postgresql://%2Ftmp%2Fpg/crm", "team_a", &env).expect("parses");
        assert_eq!(loc.config.get_hosts(), &[Host::Unix("/tmp/pg".into())]);
        assert_eq!(loc.shown(), "postgres://bob@%2Ftmp%2Fpg/crm");
        assert_eq!(loc.schema(), "team_a");
        assert_eq!(loc.config.get_password(), Some(&b"pw"[..]));
    }

    #[test]
    fn a_url_without_a_host_takes_the_local_socket() {
        let env = |name: &str| (name == "USER").then(|| "carol".to_string());
        let loc = PgLocation::parse_with("postgresql:///rolodex", "rolodex", &env).expect("parses");
        assert!(matches!(loc.config.get_hosts(), [Host::Unix(_)]));
        assert_eq!(loc.config.get_user(), Some("carol"));
        assert_eq!(loc.config.get_dbname(), Some("rolodex"));
    }

    #[test]
    fn a_schema_name_must_be_plain() {
        for bad in ["", "1abc", "a-b", "a\"; drop", "x".repeat(64).as_str()] {
            assert!(
                PgLocation::parse_with("postgres://h/db", bad, &no_env).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn sslmode_require_is_refused_until_tls_is_built() {
        let e = PgLocation::parse_with("postgres://h/db?sslmode=require", "rolodex", &no_env)
            .expect_err("refused");
        assert!(e.to_string().contains("sslmode=require"), "{e}");
    }

    #[test]
    fn pgpass_lines_match_like_libpq() {
        let text = "# comment\nother:5432:*:alice:no\n*:5432:crm:alice:yes\\:colon\n";
        assert_eq!(
            pgpass_lookup(text, "db.example", false, "5432", "crm", "alice").as_deref(),
            Some("yes:colon")
        );
        assert_eq!(
            pgpass_lookup(text, "db.example", false, "5433", "crm", "alice"),
            None
        );
        let socket = "localhost:*:*:bob:sock\n";
        assert_eq!(
            pgpass_lookup(socket, "/tmp/pg", true, "5432", "crm", "bob").as_deref(),
            Some("sock")
        );
    }
}
