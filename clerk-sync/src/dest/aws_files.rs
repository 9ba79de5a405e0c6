//! The AWS CLI's shared files, which `object_store` does not read: a profile's keys from
//! `~/.aws/credentials` (or `AWS_SHARED_CREDENTIALS_FILE`) and its region from `~/.aws/config`
//! (or `AWS_CONFIG_FILE`), for the profile `AWS_PROFILE` names, else `default`. As in the AWS
//! SDKs, variables set in the environment win: keys come from the file only when
//! `AWS_ACCESS_KEY_ID` is unset, the region only when neither `AWS_REGION` nor
//! `AWS_DEFAULT_REGION` is set. Profiles that assume a role, use SSO or run a
//! `credential_process` are not followed (export their keys instead).

use std::path::PathBuf;

/// Variables to add to `vars` from the shared files (none when the files are absent or say
/// nothing for the profile). An unreadable or malformed file is an error naming it; its
/// contents never reach the message.
pub fn profile_vars(vars: &[(String, String)]) -> Result<Vec<(String, String)>, String> {
    let var = |name: &str| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty());
    let home = var("HOME").map(PathBuf::from);
    let file = |variable: &str, default: &str| {
        var(variable).map(PathBuf::from).or_else(|| home.as_ref().map(|h| h.join(default)))
    };
    let profile = var("AWS_PROFILE").unwrap_or("default");
    let mut found = Vec::new();
    if var("AWS_ACCESS_KEY_ID").is_none() {
        if let Some(path) = file("AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials") {
            if let Some(section) = read(&path, profile)? {
                for (key, variable) in [
                    ("aws_access_key_id", "AWS_ACCESS_KEY_ID"),
                    ("aws_secret_access_key", "AWS_SECRET_ACCESS_KEY"),
                    ("aws_session_token", "AWS_SESSION_TOKEN"),
                ] {
                    if let Some(value) = section.get(key) {
                        found.push((variable.to_owned(), value.clone()));
                    }
                }
            }
        }
    }
    if var("AWS_REGION").is_none() && var("AWS_DEFAULT_REGION").is_none() {
        if let Some(path) = file("AWS_CONFIG_FILE", ".aws/config") {
            // The config file names profiles `[profile NAME]`, all but `[default]`.
            let section = if profile == "default" { profile.to_owned() } else { format!("profile {profile}") };
            if let Some(region) = read(&path, &section)?.and_then(|s| s.get("region").cloned()) {
                found.push(("AWS_REGION".to_owned(), region));
            }
        }
    }
    Ok(found)
}

/// The `[section]` of an INI file, keys as written; `None` when the file or section is absent.
fn read(path: &std::path::Path, section: &str) -> Result<Option<std::collections::HashMap<String, String>>, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("reading {}: {}", path.display(), e.kind())),
    };
    let mut ini = configparser::ini::Ini::new_cs();
    // The parser's message may quote the line, which may hold a key: it is not passed on.
    let map = ini.read(text).map_err(|_| format!("{} is not a valid INI file", path.display()))?;
    Ok(map.get(section).map(|values| {
        values.iter().filter_map(|(key, value)| Some((key.clone(), value.clone()?.trim().to_owned()))).collect()
    }))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn a_profile_gives_keys_and_region_unless_the_environment_has_them() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".aws")).unwrap();
        std::fs::write(
            dir.path().join(".aws/credentials"),
            "[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = secretdefault\n\n[Nightly]\naws_access_key_id=AKIDNIGHTLY\naws_secret_access_key=secretnightly\naws_session_token = tok\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join(".aws/config"),
            "[default]\nregion = eu-west-1\n[profile Nightly]\nregion = us-west-2\n",
        )
        .unwrap();
        let home = dir.path().to_str().unwrap();

        let found = profile_vars(&vars(&[("HOME", home)])).unwrap();
        assert_eq!(
            found,
            vars(&[
                ("AWS_ACCESS_KEY_ID", "AKIDDEFAULT"),
                ("AWS_SECRET_ACCESS_KEY", "secretdefault"),
                ("AWS_REGION", "eu-west-1")
            ])
        );
        let found = profile_vars(&vars(&[("HOME", home), ("AWS_PROFILE", "Nightly")])).unwrap();
        assert_eq!(
            found,
            vars(&[
                ("AWS_ACCESS_KEY_ID", "AKIDNIGHTLY"),
                ("AWS_SECRET_ACCESS_KEY", "secretnightly"),
                ("AWS_SESSION_TOKEN", "tok"),
                ("AWS_REGION", "us-west-2")
            ])
        );
        // The environment wins, key and region alike.
        let found = profile_vars(&vars(&[
            ("HOME", home),
            ("AWS_ACCESS_KEY_ID", "AKIDENV"),
            ("AWS_DEFAULT_REGION", "ap-south-1"),
        ]))
        .unwrap();
        assert!(found.is_empty(), "{found:?}");
        // Another file named by its variable; an unknown profile gives nothing.
        let other = dir.path().join("other");
        std::fs::write(&other, "[ci]\naws_access_key_id = AKIDCI\naws_secret_access_key = s\n").unwrap();
        let found =
            profile_vars(&vars(&[("AWS_SHARED_CREDENTIALS_FILE", other.to_str().unwrap()), ("AWS_PROFILE", "ci")]))
                .unwrap();
        assert_eq!(found, vars(&[("AWS_ACCESS_KEY_ID", "AKIDCI"), ("AWS_SECRET_ACCESS_KEY", "s")]));
        assert!(profile_vars(&vars(&[("HOME", home), ("AWS_PROFILE", "nobody")])).unwrap().is_empty());
        assert!(profile_vars(&vars(&[("HOME", "/nonexistent")])).unwrap().is_empty());
    }

    #[test]
    fn a_malformed_file_is_named_without_its_contents() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("credentials");
        std::fs::write(&file, "[default\naws_secret_access_key = hunter2hunter2\n").unwrap();
        let error = profile_vars(&vars(&[("AWS_SHARED_CREDENTIALS_FILE", file.to_str().unwrap())])).unwrap_err();
        assert!(error.contains("is not a valid INI file") && error.contains("credentials"), "{error}");
        assert!(!error.contains("hunter2"), "{error}");
    }
}
