//! Object storage for the Parquet destination: `--db parquet:s3://BUCKET/PREFIX` (and
//! S3-compatible stores such as MinIO or R2, through `AWS_ENDPOINT_URL`),
//! `parquet:gs://BUCKET/PREFIX` and `parquet:az://CONTAINER/PREFIX`, through the Apache Arrow
//! project's `object_store`.
//!
//! The run works on local files as `parquet:DIR` does: the working DuckDB database (downloaded
//! from `PREFIX/clerk-sync.duckdb` at the start, so a fresh container resumes where the last
//! run stopped) and each table's file, written into a scratch folder. [`Bucket::upload_tables`]
//! then puts each file at `PREFIX/<dataset>/<table>/<table>.parquet` with one PUT, or one
//! multipart upload for large files: either way the object store switches to the new object
//! only when the upload completes (S3's CompleteMultipartUpload, Azure's Put Block List, GCS's
//! multipart completion), so a reader sees the old file or the new one, never part of one, and
//! a failed upload leaves the old file in place. The working database goes up last
//! ([`Bucket::upload_state`]): a run that fails before it leaves the state of the run before,
//! and the next run does the work again.
//!
//! Credentials come from each provider's usual environment variables and files, as
//! `object_store` reads them (`AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`/`AWS_SESSION_TOKEN`,
//! web identity and instance credentials, plus the AWS CLI's shared files, `dest/aws_files.rs`;
//! `GOOGLE_APPLICATION_CREDENTIALS` or gcloud's application default credentials; `AZURE_STORAGE_ACCOUNT_NAME` with
//! `AZURE_STORAGE_ACCOUNT_KEY`, a SAS, a service principal or the Azure CLI). They never reach
//! a message: every error text goes through the redactor (`dest/redact.rs`).

use super::redact::Redactor;
use super::{DestinationError, Result};
use futures_util::StreamExt;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload, WriteMultipart};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The working database's object name under the prefix (the local form's file name).
const STATE_OBJECT: &str = super::WORKING_FILE;

/// Files up to this size go up in one PUT; larger ones in parts of this size (S3's parts must
/// be at least 5 MiB), a few at a time, so memory stays flat whatever the file's size.
const PART_SIZE: usize = 8 * 1024 * 1024;
/// Parts in flight at once.
const PARTS_IN_FLIGHT: usize = 4;

fn error(message: impl std::fmt::Display) -> DestinationError {
    DestinationError { destination: "parquet", message: message.to_string() }
}

/// Where the working database lives between runs.
#[derive(Debug)]
enum State {
    /// In the bucket, downloaded at the start: `version` is what was there then (`None`: no
    /// state yet), checked again before uploading, so two runs that overlap cannot silently
    /// undo each other's work.
    InBucket { version: Option<Version> },
    /// In a file the user named (`--state FILE`): nothing to download or upload.
    File(PathBuf),
}

/// What identifies one upload of an object.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Version {
    e_tag: Option<String>,
    version: Option<String>,
    size: u64,
    last_modified: i64,
}

impl Version {
    fn of(meta: &object_store::ObjectMeta) -> Version {
        Version {
            e_tag: meta.e_tag.clone(),
            version: meta.version.clone(),
            size: meta.size,
            last_modified: meta.last_modified.timestamp_millis(),
        }
    }
}

/// A bucket (or container) and prefix the dataset's files and state go to.
#[derive(Debug)]
pub struct Bucket {
    store: Arc<dyn ObjectStore>,
    /// `scheme://bucket/prefix`, as given, without a trailing slash: no secret is ever in it.
    url: String,
    prefix: ObjectPath,
    state: State,
    /// The working database (unless kept elsewhere) and the files before they go up.
    scratch: tempfile::TempDir,
    redactor: Redactor,
    runtime: tokio::runtime::Runtime,
}

impl Bucket {
    /// Connects to the store `url` names, configured from the process's environment, and
    /// fetches the state there, if any (unless `state` names a file to keep it in instead).
    pub fn open(url: &str, state: Option<&Path>) -> Result<Bucket> {
        let vars: Vec<(String, String)> =
            std::env::vars_os().filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?))).collect();
        Bucket::open_with_env(url, state, &vars)
    }

    /// [`Bucket::open`] with the environment variables given (`AWS_*`, `GOOGLE_*`, `AZURE_*`,
    /// as the providers name them), not read from the process.
    pub fn open_with_env(url: &str, state: Option<&Path>, vars: &[(String, String)]) -> Result<Bucket> {
        let (scheme, bucket, prefix) = split_url(url)?;
        let mut vars = vars.to_vec();
        #[cfg(feature = "s3")]
        if scheme == "s3://" {
            let from_files = super::aws_files::profile_vars(&vars).map_err(error)?;
            vars.extend(from_files);
        }
        let vars = vars.as_slice();
        let redactor = Redactor::from_vars(vars.iter().cloned());
        // The store's HTTP client is reqwest with rustls and no provider of its own (as
        // clerk-api's), so ring goes in first.
        clerk_api::install_tls_provider();
        let store = build_store(scheme, bucket, vars).map_err(|e| error(redactor.clean(&format!("{url}: {e}"))))?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| error(format!("starting the upload runtime: {e}")))?;
        let scratch = tempfile::Builder::new()
            .prefix("clerk-sync-")
            .tempdir()
            .map_err(|e| error(format!("creating a scratch folder: {e}")))?;
        let url = format!("{scheme}{bucket}{}{prefix}", if prefix.is_empty() { "" } else { "/" });
        let prefix = ObjectPath::parse(prefix).map_err(|e| error(format!("{url}: the prefix: {e}")))?;
        let mut bucket =
            Bucket { store, url, prefix, state: State::InBucket { version: None }, scratch, redactor, runtime };
        bucket.state = match state {
            Some(file) => State::File(file.to_owned()),
            None => State::InBucket { version: bucket.download_state()? },
        };
        Ok(bucket)
    }

    /// The working DuckDB database's local path.
    pub fn working_file(&self) -> PathBuf {
        match &self.state {
            State::File(file) => file.clone(),
            State::InBucket { .. } => self.scratch.path().join(STATE_OBJECT),
        }
    }

    /// The local folder tables are written into before they go up, laid out as in the bucket.
    pub fn files_dir(&self) -> PathBuf {
        self.scratch.path().join("files")
    }

    /// Where the dataset's files go, for messages.
    pub fn describe(&self) -> String {
        match &self.state {
            State::InBucket { .. } => {
                format!("Parquet files in {} (state in {}/{STATE_OBJECT} there)", self.url, self.url)
            }
            State::File(file) => format!("Parquet files in {} (state in {})", self.url, file.display()),
        }
    }

    /// The URL of the dataset's folder in the store.
    pub fn dataset_url(&self, dataset: &str) -> String {
        format!("{}/{dataset}", self.url)
    }

    /// Puts each table's local file (under [`Bucket::files_dir`]) in its place, one table at a
    /// time, each replaced whole; the local copy is removed once it is up.
    pub fn upload_tables(&mut self, dataset: &str, tables: &[String]) -> Result<()> {
        for table in tables {
            let local = self.files_dir().join(dataset).join(table).join(format!("{table}.parquet"));
            let key = self.key(&[dataset, table, &format!("{table}.parquet")]);
            self.upload(&local, &key)?;
            std::fs::remove_file(&local).map_err(|e| error(format!("removing {}: {e}", local.display())))?;
        }
        Ok(())
    }

    /// Puts the working database (checkpointed by the caller) at `PREFIX/clerk-sync.duckdb`,
    /// unless another run has replaced it since this one fetched it.
    pub fn upload_state(&mut self) -> Result<()> {
        let State::InBucket { version } = &self.state else { return Ok(()) };
        let key = self.key(&[STATE_OBJECT]);
        let now = self.head(&key)?;
        if now != *version {
            return Err(error(format!(
                "{}/{STATE_OBJECT} changed while this run worked (another run?); the files are up, the state is not: run again",
                self.url
            )));
        }
        let local = self.working_file();
        self.upload(&local, &key)?;
        let uploaded = self.head(&key)?;
        self.state = State::InBucket { version: uploaded };
        Ok(())
    }

    fn key(&self, parts: &[&str]) -> ObjectPath {
        let mut key = self.prefix.clone();
        for part in parts {
            key = key.join(*part);
        }
        key
    }

    fn describe_key(&self, key: &ObjectPath) -> String {
        let (scheme, rest) = self.url.split_once("://").unwrap_or(("", &self.url));
        let bucket = rest.split('/').next().unwrap_or(rest);
        format!("{scheme}://{bucket}/{key}")
    }

    /// The object's version, `None` when there is none.
    fn head(&self, key: &ObjectPath) -> Result<Option<Version>> {
        match self.runtime.block_on(self.store.head(key)) {
            Ok(meta) => Ok(Some(Version::of(&meta))),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(self.failed("reading", key, &e)),
        }
    }

    /// Fetches the state into the scratch folder; `None` when the bucket has none yet.
    fn download_state(&self) -> Result<Option<Version>> {
        let key = self.key(&[STATE_OBJECT]);
        let local = self.working_file();
        let result = self.runtime.block_on(async {
            let got = match self.store.get(&key).await {
                Ok(got) => got,
                Err(object_store::Error::NotFound { .. }) => return Ok(None),
                Err(e) => return Err(e.to_string()),
            };
            let version = Version::of(&got.meta);
            let mut file = std::fs::File::create(&local).map_err(|e| format!("creating {}: {e}", local.display()))?;
            let mut stream = got.into_stream();
            while let Some(chunk) = stream.next().await {
                let chunk = chunk.map_err(|e| e.to_string())?;
                file.write_all(&chunk).map_err(|e| format!("writing {}: {e}", local.display()))?;
            }
            file.sync_all().map_err(|e| format!("writing {}: {e}", local.display()))?;
            Ok(Some(version))
        });
        result.map_err(|e| error(self.redactor.clean(&format!("fetching {}: {e}", self.describe_key(&key)))))
    }

    /// Uploads `local` to `name` under the prefix (`a/b.parquet`), as the tables go up.
    pub fn put_file(&self, local: &Path, name: &str) -> Result<()> {
        let parts: Vec<&str> = name.split('/').filter(|p| !p.is_empty()).collect();
        self.upload(local, &self.key(&parts))
    }

    /// Uploads `local` to `key`: one PUT for a small file, else a multipart upload, aborted
    /// when a part fails. The object changes only when the upload completes.
    fn upload(&self, local: &Path, key: &ObjectPath) -> Result<()> {
        let mut file = std::fs::File::open(local).map_err(|e| error(format!("reading {}: {e}", local.display())))?;
        let size = file.metadata().map_err(|e| error(format!("reading {}: {e}", local.display())))?.len();
        let result = self.runtime.block_on(async {
            if size <= PART_SIZE as u64 {
                let mut bytes = Vec::with_capacity(size as usize);
                file.read_to_end(&mut bytes).map_err(|e| Failure::Local(e.to_string()))?;
                self.store.put(key, PutPayload::from(bytes)).await.map_err(Failure::Store)?;
                return Ok(());
            }
            let upload = self.store.put_multipart(key).await.map_err(Failure::Store)?;
            let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_SIZE);
            let mut buffer = vec![0; PART_SIZE];
            loop {
                let read = match file.read(&mut buffer) {
                    Ok(0) => break,
                    Ok(read) => read,
                    Err(e) => {
                        let _ = writer.abort().await;
                        return Err(Failure::Local(e.to_string()));
                    }
                };
                if let Err(e) = writer.wait_for_capacity(PARTS_IN_FLIGHT).await {
                    let _ = writer.abort().await;
                    return Err(Failure::Store(e));
                }
                writer.write(&buffer[..read]);
            }
            // `finish` aborts the upload itself when a part failed.
            writer.finish().await.map(|_| ()).map_err(Failure::Store)
        });
        result.map_err(|failure| match failure {
            Failure::Local(e) => error(format!("reading {}: {e}", local.display())),
            Failure::Store(e) => self.failed("uploading", key, &e),
        })
    }

    fn failed(&self, doing: &str, key: &ObjectPath, e: &object_store::Error) -> DestinationError {
        error(self.redactor.clean(&format!("{doing} {}: {e}", self.describe_key(key))))
    }
}

enum Failure {
    Local(String),
    Store(object_store::Error),
}

/// `scheme://bucket/prefix` split into its parts (prefix without leading or trailing `/`).
fn split_url(url: &str) -> Result<(&'static str, &str, &str)> {
    let Some(scheme) = super::BUCKET_SCHEMES.iter().copied().find(|scheme| url.starts_with(scheme)) else {
        return Err(error(format!("`{url}`: expected s3://, gs:// or az://")));
    };
    let rest = &url[scheme.len()..];
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    if bucket.is_empty() || bucket.contains(['?', '#', '@', ':']) {
        return Err(error(format!(
            "`{scheme}{bucket}`: name a bucket (or container), as in `parquet:{scheme}BUCKET/PREFIX`; credentials and endpoints come from the environment"
        )));
    }
    Ok((scheme, bucket, prefix.trim_matches('/')))
}

/// The store for `scheme`, configured as each builder's `from_env` would be, from `vars`.
fn build_store(
    scheme: &str,
    bucket: &str,
    vars: &[(String, String)],
) -> std::result::Result<Arc<dyn ObjectStore>, String> {
    let var = |wanted: &str| vars.iter().find(|(name, _)| name == wanted).map(|(_, value)| value);
    match scheme {
        #[cfg(feature = "s3")]
        "s3://" => {
            let builder = object_store::aws::AmazonS3Builder::new();
            let builder = with_vars(builder, vars, "AWS_", |b, key, value| b.with_config(key, value));
            shared(builder.with_bucket_name(bucket).build())
        }
        #[cfg(feature = "gcs")]
        "gs://" => {
            let mut builder = object_store::gcp::GoogleCloudStorageBuilder::new();
            // The older name `from_env` still reads.
            if let Some(path) = var("SERVICE_ACCOUNT") {
                builder = builder.with_service_account_path(path);
            }
            let builder = with_vars(builder, vars, "GOOGLE_", |b, key, value| b.with_config(key, value));
            shared(builder.with_bucket_name(bucket).build())
        }
        #[cfg(feature = "azure")]
        "az://" => {
            let mut builder = object_store::azure::MicrosoftAzureBuilder::new();
            builder = with_vars(builder, vars, "AZURE_", |b, key, value| b.with_config(key, value));
            // App Service's managed identity endpoint, as `from_env` reads it.
            if let Some(endpoint) = var("IDENTITY_ENDPOINT") {
                builder = builder.with_msi_endpoint(endpoint);
            }
            shared(builder.with_container_name(bucket).build())
        }
        _ => {
            let feature = match scheme {
                "s3://" => "s3",
                "gs://" => "gcs",
                _ => "azure",
            };
            let _ = (bucket, var);
            Err(format!("this build has no {scheme} support (feature `{feature}`)"))
        }
    }
}

/// `builder` given each of `vars` whose name starts with `prefix`, lower-cased into the
/// builder's config key (`AWS_ENDPOINT_URL` -> `aws_endpoint_url`); names it does not know are
/// skipped, as its `from_env` skips them.
#[cfg(any(feature = "s3", feature = "gcs", feature = "azure"))]
fn with_vars<B, K: std::str::FromStr>(
    builder: B,
    vars: &[(String, String)],
    prefix: &str,
    apply: impl Fn(B, K, &str) -> B,
) -> B {
    vars.iter().filter(|(name, _)| name.starts_with(prefix)).fold(builder, |builder, (name, value)| {
        match name.to_ascii_lowercase().parse() {
            Ok(key) => apply(builder, key, value),
            Err(_) => builder,
        }
    })
}

/// A built store, shared, or the builder's complaint.
#[cfg(any(feature = "s3", feature = "gcs", feature = "azure"))]
fn shared(built: object_store::Result<impl ObjectStore>) -> std::result::Result<Arc<dyn ObjectStore>, String> {
    built.map(|store| Arc::new(store) as Arc<dyn ObjectStore>).map_err(|e| e.to_string())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn urls_split_into_bucket_and_prefix() {
        assert_eq!(split_url("s3://b/x/y/").unwrap(), ("s3://", "b", "x/y"));
        assert_eq!(split_url("gs://b").unwrap(), ("gs://", "b", ""));
        assert_eq!(split_url("az://c/p").unwrap(), ("az://", "c", "p"));
        assert!(split_url("s3:///p").unwrap_err().to_string().contains("name a bucket"));
        assert!(split_url("s3://key:secret@b/p").is_err(), "credentials never come in the URL");
        assert!(split_url("ftp://b").is_err());
        assert!(super::super::is_bucket("s3://b") && !super::super::is_bucket("/data/out"));
        assert!(!super::super::is_bucket("s3.local/x"));
    }
}
