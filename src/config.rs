//! The deployment's registry (SPEC §5): the city, folders, reporting units, enterprises,
//! threshold overrides, caps and delivery. Read and checked once at start-up into a
//! [`Config`]; nothing below reads the environment or the command line.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::scheme::Scheme;
use crate::text::{NameIndex, match_key};
use crate::topics::Topics;

/// 供水 or 供气.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
pub enum Utility {
    #[serde(rename = "供水")]
    Water,
    #[serde(rename = "供气")]
    Gas,
}

impl Utility {
    pub fn label(self) -> &'static str {
        match self {
            Utility::Water => "供水",
            Utility::Gas => "供气",
        }
    }

    pub fn parse(s: &str) -> Option<Utility> {
        match match_key(s).as_str() {
            "供水" | "水" | "自来水" | "用水" => Some(Utility::Water),
            "供气" | "气" | "燃气" | "天然气" | "用气" | "供燃气" => Some(Utility::Gas),
            _ => None,
        }
    }
}

/// What a reporting unit is expected to submit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A county bureau, street office or town: a monthly self-assessment.
    #[default]
    County,
    /// The city bureau: the quarterly sampled survey.
    City,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Unit {
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub role: Role,
    /// The 所属县市 the unit stands for; by default its name without a bureau suffix
    /// (东华县住建局 → 东华县).
    pub county: Option<String>,
}

/// Suffixes of a county office's name that rows leave out (东华县住建局 → 东华县), longest first.
const BUREAU_SUFFIXES: &[&str] = &[
    "城市管理综合执法局",
    "住房和城乡建设局",
    "住房城乡建设局",
    "城市管理执法局",
    "城乡建设局",
    "城市管理局",
    "人民政府",
    "住建局",
    "城管局",
    "建设局",
    "住建委",
    "办事处",
    "政府",
];

/// A county's name without a bureau suffix: `东华县住建局` → `东华县`; the name itself otherwise.
pub fn strip_bureau_suffix(name: &str) -> &str {
    let trimmed = name.trim();
    BUREAU_SUFFIXES
        .iter()
        .find_map(|s| trimmed.strip_suffix(s).filter(|rest| rest.chars().count() >= 2))
        .unwrap_or(trimmed)
}

impl Unit {
    /// The 所属县市 this unit stands for.
    pub fn county_name(&self) -> &str {
        self.county
            .as_deref()
            .unwrap_or_else(|| strip_bureau_suffix(&self.name))
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Enterprise {
    pub code: String,
    pub name: String,
    pub utility: Utility,
    pub county: String,
    pub head: String,
    #[serde(default)]
    pub aliases: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPaths {
    inbox: PathBuf,
    archive: PathBuf,
    rejected: PathBuf,
    reports: PathBuf,
    database: PathBuf,
    /// The public disclosure folder; `public` beside the config by default.
    #[serde(default)]
    public: Option<PathBuf>,
    /// The run log's folder; `logs` beside the config by default.
    #[serde(default)]
    logs: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawThresholds {
    action: Option<f64>,
    min_sample: Option<u32>,
    min_answers: Option<u32>,
    bias_flag: Option<f64>,
    significance: Option<f64>,
    deadline_days: Option<u32>,
    topic_repeat: Option<u32>,
    min_ranked: Option<u32>,
    callback_days: Option<u32>,
    rectify_days: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLimits {
    max_file_mb: Option<u64>,
    max_inflated_mb: Option<u64>,
    max_rows: Option<u32>,
    max_columns: Option<u32>,
    parse_memory_mb: Option<u64>,
    parse_timeout_secs: Option<u64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIntake {
    /// A file in the inbox changed less than this many seconds ago is left for the next run.
    settle_seconds: Option<u64>,
}

/// Quarterly call-back sampling (SPEC §7).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSampling {
    /// Users drawn in the last this many quarters are left out of a new draw.
    exclude_quarters: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    city: String,
    scheme: Option<PathBuf>,
    topics: Option<PathBuf>,
    /// The report wording (titles, file names, paragraphs).
    report: Option<PathBuf>,
    /// The working-day calendar (holidays and make-up working days).
    calendar: Option<PathBuf>,
    paths: RawPaths,
    #[serde(default)]
    unit: Vec<Unit>,
    #[serde(default)]
    enterprise: Vec<Enterprise>,
    #[serde(default)]
    thresholds: RawThresholds,
    #[serde(default)]
    limits: RawLimits,
    #[serde(default)]
    intake: RawIntake,
    /// Who receives what (SPEC §9a).
    #[serde(default)]
    delivery: RawDelivery,
    #[serde(default)]
    sampling: RawSampling,
    /// Review and sign-off (SPEC §9b); required when the table is absent.
    #[serde(default)]
    release: RawRelease,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRelease {
    required: Option<bool>,
    reviewers: Option<Vec<String>>,
    notice_days: Option<u32>,
    contact: Option<String>,
}

/// Review and sign-off (SPEC §9b): whether a period's documents wait for `release`, who
/// reviews the drafts, and what the public notice says.
#[derive(Debug, Clone, PartialEq)]
pub struct ReleaseSettings {
    /// Drafts first, issued by `release` (the default); `false`: every run issues what it writes.
    pub required: bool,
    /// The leaders (by name) the drafts go to: every leader by default.
    pub reviewers: Vec<String>,
    /// The public notice period (公示期), in working days from the release date.
    pub notice_days: u32,
    /// Where objections go during the notice period (office, phone, e-mail).
    pub contact: Option<String>,
}

/// Working days a public notice stays up when the config does not say (SPEC §9b).
pub const DEFAULT_NOTICE_DAYS: u32 = 5;

/// The `[release]` table checked against the leaders it names.
fn release(raw: RawRelease, delivery: &Delivery) -> Result<ReleaseSettings, Problem> {
    let leaders: Vec<String> = delivery.leaders.iter().map(|l| l.name.clone()).collect();
    let reviewers = match raw.reviewers {
        None => leaders.clone(),
        Some(names) => {
            if let Some(unknown) = names.iter().find(|n| !leaders.contains(n)) {
                let known = if leaders.is_empty() {
                    "没有登记任何领导".to_string()
                } else {
                    format!("已登记的领导:{}", leaders.join("、"))
                };
                return Err(Problem::at(
                    &["release", "reviewers"],
                    format!("[release] reviewers 中的“{unknown}”不是 [[delivery.leader]] 中的领导({known})"),
                ));
            }
            names
        }
    };
    if raw.notice_days == Some(0) {
        return Err(Problem::at(
            &["release", "notice_days"],
            "[release] notice_days(公示期工作日数)应大于 0",
        ));
    }
    let contact = raw.contact.map(|c| c.trim().to_string()).filter(|c| !c.is_empty());
    Ok(ReleaseSettings {
        required: raw.required.unwrap_or(true),
        reviewers,
        notice_days: raw.notice_days.unwrap_or(DEFAULT_NOTICE_DAYS),
        contact,
    })
}

/// A leader who receives the city report and the summary workbook.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Leader {
    pub name: String,
    pub email: String,
}

impl Leader {
    /// Their folder in the outbox and their key in the delivery records: `领导_王某`.
    pub fn recipient_key(&self) -> String {
        format!("领导_{}", self.name)
    }
}

impl Unit {
    /// Its folder in the outbox and its key in the delivery records: `单位_JL_竟陵街道`.
    pub fn recipient_key(&self) -> String {
        format!("单位_{}_{}", self.code, self.name)
    }
}

impl Enterprise {
    /// Its folder in the outbox and its key in the delivery records:
    /// `企业_GS01_天门市第一供水有限公司`.
    pub fn recipient_key(&self) -> String {
        format!("企业_{}_{}", self.code, self.name)
    }
}

/// Why `v` cannot be (part of) a file or folder name, if it cannot: empty, a character no file
/// system takes (`/ \ : * ? " < > |`, control characters), a leading dot (a hidden file, or
/// `..`), more than `max` characters.
pub fn file_name_problem(v: &str, max: usize) -> Option<String> {
    if v.trim().is_empty() {
        Some("不能为空".into())
    } else if v.chars().any(|c| c.is_control() || "/\\:*?\"<>|".contains(c)) {
        Some("含有不能用于文件名的字符(/ \\ : * ? \" < > | 或控制字符)".into())
    } else if v.starts_with('.') {
        Some("不能以“.”开头".into())
    } else if v.chars().count() > max {
        Some(format!("过长(最多 {max} 个字)"))
    } else {
        None
    }
}

/// How mail is sent: STARTTLS on a submission port, TLS from the start, or plain (a relay on
/// the same machine).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Security {
    Starttls,
    Tls,
    None,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSmtp {
    host: String,
    port: Option<u16>,
    security: Option<Security>,
    user: Option<String>,
    /// The environment variable holding the password.
    password_env: Option<String>,
    /// A file holding the password (first line).
    password_file: Option<PathBuf>,
    /// Refused: a password never lives in the config.
    password: Option<toml::Value>,
    /// A user and password over `security = "none"` to a host that is not this machine.
    allow_plaintext_password: Option<bool>,
    /// How long to wait for each of the server's replies (RFC 5321 §4.5.3.2: up to 10
    /// minutes after the end of a message's data).
    timeout_seconds: Option<u64>,
}

/// Seconds to wait for a reply of the mail server: RFC 5321's longest, for the end of DATA.
pub const DEFAULT_SMTP_TIMEOUT_SECONDS: u64 = 600;

/// The SMTP server mail goes through. The password is read when mail is sent, from the
/// environment variable or the file named here, never from the config.
#[derive(Debug, Clone, PartialEq)]
pub struct Smtp {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub user: Option<String>,
    pub password_env: Option<String>,
    pub password_file: Option<PathBuf>,
    /// How long to wait for each reply of the server.
    pub timeout: Duration,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDelivery {
    outbox: Option<PathBuf>,
    sender: Option<String>,
    #[serde(default)]
    leader: Vec<Leader>,
    /// Enterprise code → address.
    #[serde(default)]
    enterprise: std::collections::BTreeMap<String, String>,
    /// Unit code → address.
    #[serde(default)]
    unit: std::collections::BTreeMap<String, String>,
    smtp: Option<RawSmtp>,
}

/// Who receives what, and how (SPEC §9a): every recipient's documents go to
/// `outbox/<recipient>/<period>/`; with `smtp`, they are also mailed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Delivery {
    /// Absolute; `outbox` beside the config by default.
    pub outbox: PathBuf,
    pub sender: Option<String>,
    pub leaders: Vec<Leader>,
    /// Enterprise code → address.
    pub enterprises: std::collections::BTreeMap<String, String>,
    /// Unit code → address.
    pub units: std::collections::BTreeMap<String, String>,
    pub smtp: Option<Smtp>,
}

/// A config's text and where it is: the messages of the rules it breaks name the file and
/// line, and relative paths are taken from its folder.
struct Source<'a> {
    text: &'a str,
    path: &'a Path,
    base: PathBuf,
}

impl<'a> Source<'a> {
    fn new(text: &'a str, path: &'a Path) -> Source<'a> {
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let base = if base.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            base
        };
        let base = std::path::absolute(&base).unwrap_or(base);
        Source { text, path, base }
    }

    fn fail(&self, key: &[&str], message: String) -> ConfigError {
        Problem::at(key, message).in_file(self.path, self.text)
    }

    fn abs(&self, p: &Path) -> PathBuf {
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.base.join(p)
        }
    }
}

/// The scheme, the topic dictionary and the wording: the built-in ones, or the files named.
fn layers(raw: &RawConfig, src: &Source<'_>) -> Result<(Scheme, Topics, crate::wording::Wording), ConfigError> {
    let read = |key: &str, p: &Path| -> Result<(PathBuf, String), ConfigError> {
        let file = src.abs(p);
        let text = std::fs::read_to_string(&file)
            .map_err(|e| src.fail(&[key], format!("{key} = \"{}\" 无法读取:{e}", p.display())))?;
        Ok((file, text))
    };
    let scheme = match &raw.scheme {
        Some(p) => {
            let (file, text) = read("scheme", p)?;
            Scheme::parse(&text, &file).map_err(ConfigError::Invalid)?
        }
        None => Scheme::builtin(),
    };
    let topics = match &raw.topics {
        Some(p) => {
            let (file, text) = read("topics", p)?;
            Topics::parse(&text, &file.display().to_string()).map_err(ConfigError::Invalid)?
        }
        None => Topics::builtin(),
    };
    let wording = match &raw.report {
        Some(p) => {
            let (file, text) = read("report", p)?;
            crate::wording::Wording::parse(&text, &file).map_err(ConfigError::Invalid)?
        }
        None => crate::wording::Wording::builtin(),
    };
    Ok((scheme, topics, wording))
}

/// The `[thresholds]` written in the config, over the scheme's.
fn thresholds(t: &RawThresholds, scheme: &mut Scheme, src: &Source<'_>) -> Result<(), ConfigError> {
    let cases = &mut scheme.cases;
    cases.callback_days = t.callback_days.unwrap_or(cases.callback_days);
    cases.rectify_days = t.rectify_days.unwrap_or(cases.rectify_days);
    for (key, days) in [
        ("callback_days", cases.callback_days),
        ("rectify_days", cases.rectify_days),
    ] {
        if days == 0 {
            return Err(src.fail(&["thresholds", key], format!("[thresholds] {key} 应为至少 1 个工作日")));
        }
    }
    let th = &mut scheme.thresholds;
    th.action = t.action.unwrap_or(th.action);
    th.min_sample = t.min_sample.unwrap_or(th.min_sample);
    th.min_answers = t.min_answers.unwrap_or(th.min_answers);
    th.bias_flag = t.bias_flag.unwrap_or(th.bias_flag);
    th.significance = t.significance.unwrap_or(th.significance);
    th.deadline_days = t.deadline_days.unwrap_or(th.deadline_days);
    th.topic_repeat = t.topic_repeat.unwrap_or(th.topic_repeat);
    th.min_ranked = t.min_ranked.unwrap_or(th.min_ranked);
    if !(0.0..=100.0).contains(&th.action) {
        return Err(src.fail(
            &["thresholds", "action"],
            "[thresholds] action 应在 0 到 100 之间".into(),
        ));
    }
    if !(0.0 < th.significance && th.significance < 1.0) {
        return Err(src.fail(
            &["thresholds", "significance"],
            "[thresholds] significance 应在 0 到 1 之间".into(),
        ));
    }
    if th.min_ranked == 0 {
        return Err(src.fail(
            &["thresholds", "min_ranked"],
            "[thresholds] min_ranked 应至少为 1(家)".into(),
        ));
    }

    Ok(())
}

/// The intake's caps: `[limits]` over the defaults.
fn limits(l: &RawLimits, src: &Source<'_>) -> Result<Limits, ConfigError> {
    let d = Limits::default();
    // Megabytes to bytes; a value too large to count in bytes (over 8 TB) is a typo.
    let mb = |key: &str, v: Option<u64>, default: u64| match v {
        None => Ok(default),
        Some(m) if m > 0 && m <= 1 << 23 => Ok(m << 20),
        Some(m) => Err(src.fail(
            &["limits", key],
            format!("[limits] {key} = {m} 超出范围,应在 1 到 8388608(MB)之间"),
        )),
    };
    Ok(Limits {
        max_file_bytes: mb("max_file_mb", l.max_file_mb, d.max_file_bytes)?,
        max_inflated_bytes: mb("max_inflated_mb", l.max_inflated_mb, d.max_inflated_bytes)?,
        max_rows: l.max_rows.unwrap_or(d.max_rows),
        max_columns: l.max_columns.unwrap_or(d.max_columns),
        max_cell_chars: d.max_cell_chars,
        worker_memory_bytes: mb("parse_memory_mb", l.parse_memory_mb, d.worker_memory_bytes)?,
        worker_timeout_secs: l.parse_timeout_secs.unwrap_or(d.worker_timeout_secs),
        worker_exe: None,
    })
}

/// The match key of every code, name and alias of the registry → (is an enterprise, its
/// position); refuses an empty, unusable or repeated code or name.
fn registry_names(
    units: &[Unit],
    enterprises: &[Enterprise],
    src: &Source<'_>,
) -> Result<HashMap<String, (bool, usize)>, ConfigError> {
    let mut names: HashMap<String, (bool, usize)> = HashMap::new();
    let mut codes: HashMap<String, String> = HashMap::new();
    let parties = units
        .iter()
        .enumerate()
        .map(|(i, u)| (false, i, "unit", &u.code, &u.name, &u.aliases));
    let parties = parties.chain(
        enterprises
            .iter()
            .enumerate()
            .map(|(i, e)| (true, i, "enterprise", &e.code, &e.name, &e.aliases)),
    );
    for (is_ent, i, table, code, name, aliases) in parties {
        if code.trim().is_empty() || name.trim().is_empty() {
            return Err(src.fail(
                &[table, &i.to_string()],
                format!("[[{table}]] 第 {} 项的 code 和 name 不能为空", i + 1),
            ));
        }
        // Codes and names become parts of file and folder names (reports, outbox).
        for (what, v, max) in [("code", code, 20), ("name", name, 50)] {
            if let Some(why) = file_name_problem(v, max) {
                return Err(src.fail(
                    &[table, &i.to_string(), what],
                    format!("[[{table}]] {what} = \"{v}\" {why}"),
                ));
            }
        }
        if let Some(prev) = codes.insert(match_key(code), name.clone()) {
            return Err(src.fail(
                &[table, &i.to_string(), "code"],
                format!("[[{table}]] code = \"{code}\" 重复(已用于“{prev}”)"),
            ));
        }
        for key in std::iter::once(code).chain(std::iter::once(name)).chain(aliases) {
            let k = match_key(key);
            match names.get(&k) {
                Some(&(e, j)) if (e, j) != (is_ent, i) => {
                    let other = if e { &enterprises[j].name } else { &units[j].name };
                    return Err(src.fail(
                        &[table, &i.to_string()],
                        format!("[[{table}]] “{name}”的名称或别名“{key}”与“{other}”重复"),
                    ));
                }
                _ => {
                    names.insert(k, (is_ent, i));
                }
            }
        }
    }

    Ok(names)
}

/// A value of the config that breaks a rule: the key it is written under (tables by key,
/// arrays of tables by position: `["unit", "2", "code"]`) and what is wrong, for a message that
/// names the line.
#[derive(Debug)]
struct Problem {
    key: Vec<String>,
    /// Where to look when `key` is not written in the file (left at its default).
    or_else: Option<Vec<String>>,
    message: String,
}

impl Problem {
    fn at(key: &[&str], message: impl Into<String>) -> Problem {
        Problem {
            key: key.iter().map(|k| k.to_string()).collect(),
            or_else: None,
            message: message.into(),
        }
    }

    /// The message, naming the file and, when the key is written in it, the line.
    fn in_file(self, path: &Path, text: &str) -> ConfigError {
        let line = (line_of(text, &self.key).or_else(|| line_of(text, self.or_else.as_deref()?)))
            .map_or(String::new(), |l| format!(" 第 {l} 行"));
        ConfigError::Invalid(format!("配置文件 {}{line}:{}", path.display(), self.message))
    }
}

/// The 1-based line where the value under `key` is written in the config text (an array's
/// entries by position), if it is.
fn line_of(text: &str, key: &[String]) -> Option<usize> {
    use toml::de::{DeTable, DeValue};
    let root = DeTable::parse(text).ok()?;
    let (first, rest) = key.split_first()?;
    let in_table = |t: &DeTable<'_>, k: &str| t.iter().position(|(name, _)| name.get_ref().as_ref() == k);
    let i = in_table(root.get_ref(), first)?;
    let mut at = root.get_ref().iter().nth(i)?.1;
    for step in rest {
        at = match at.get_ref() {
            DeValue::Table(t) => t.iter().nth(in_table(t, step)?)?.1,
            DeValue::Array(a) => a.get(step.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(text[..at.span().start.min(text.len())].matches('\n').count() + 1)
}

/// Checks `[delivery]`: addresses look like addresses, codes are registered, the password
/// is not in the config, a sender is given when mail is sent.
fn delivery(raw: RawDelivery, config: &Config, abs: &dyn Fn(&Path) -> PathBuf) -> Result<Delivery, Problem> {
    let address = |key: &[&str], what: &str, a: &str| {
        // As the mailer will read it, and with a domain: an address it would refuse is said now,
        // not by every run's failed sending.
        let ok = a.parse::<lettre::Address>().is_ok_and(|x| x.domain().contains('.'));
        if ok {
            Ok(())
        } else {
            Err(Problem::at(
                key,
                format!("[delivery] {what} 的地址“{a}”不是有效的电子邮件地址"),
            ))
        }
    };
    let mut seen = std::collections::HashSet::new();
    for (i, l) in raw.leader.iter().enumerate() {
        let index = i.to_string();
        let at = |k: &str, message: String| Problem::at(&["delivery", "leader", &index, k], message);
        // A leader's name is their folder in the outbox.
        if let Some(why) = file_name_problem(&l.name, 20) {
            return Err(at(
                "name",
                format!("[[delivery.leader]] name = \"{}\" {why},不能用作文件夹名", l.name),
            ));
        }
        if !seen.insert(l.name.as_str()) {
            return Err(at(
                "name",
                format!(
                    "[[delivery.leader]] name = \"{}\" 重复;同名的领导请写明区别(如 王局长(分管))",
                    l.name
                ),
            ));
        }
        address(
            &["delivery", "leader", &index, "email"],
            &format!("leader “{}”", l.name),
            &l.email,
        )?;
    }
    for (code, a) in &raw.enterprise {
        if config.enterprise_by_code(code).is_none() {
            return Err(Problem::at(
                &["delivery", "enterprise", code],
                format!("[delivery.enterprise] {code} 不是登记的企业代码"),
            ));
        }
        address(&["delivery", "enterprise", code], &format!("enterprise {code}"), a)?;
    }
    for (code, a) in &raw.unit {
        if !config.units.iter().any(|u| &u.code == code) {
            return Err(Problem::at(
                &["delivery", "unit", code],
                format!("[delivery.unit] {code} 不是登记的单位代码"),
            ));
        }
        address(&["delivery", "unit", code], &format!("unit {code}"), a)?;
    }
    let smtp = match raw.smtp {
        None => None,
        Some(s) => {
            let at = |k: &str, message: &str| Problem::at(&["delivery", "smtp", k], message);
            if s.password.is_some() {
                return Err(at(
                    "password",
                    "[delivery.smtp] 密码不得写在配置文件中;请用 password_env(环境变量名)或 password_file(密码文件)",
                ));
            }
            if s.user.is_some() && s.password_env.is_none() && s.password_file.is_none() {
                return Err(at(
                    "user",
                    "[delivery.smtp] 设置了 user 就要用 password_env 或 password_file 指明密码从哪里读",
                ));
            }
            let security = s.security.unwrap_or(Security::Starttls);
            // A password over a plain connection crosses the network readable; only a relay on
            // this machine, or an explicit choice, may take it.
            let loopback = s.host == "localhost" || s.host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
            if security == Security::None && s.user.is_some() && !loopback {
                if s.allow_plaintext_password != Some(true) {
                    return Err(at(
                        "security",
                        &format!(
                            "[delivery.smtp] security = \"none\" 时用户名和密码会以明文在网络上传输(邮件服务器 {} 不在本机);请改用 starttls 或 tls,或确需如此时写明 allow_plaintext_password = true",
                            s.host
                        ),
                    ));
                }
                tracing::warn!(
                    "[delivery.smtp] allow_plaintext_password = true:登录邮件服务器 {} 的密码将以明文传输",
                    s.host
                );
            }
            if s.timeout_seconds == Some(0) {
                return Err(at("timeout_seconds", "[delivery.smtp] timeout_seconds 应大于 0"));
            }
            let port = s.port.unwrap_or(match security {
                Security::Starttls => 587,
                Security::Tls => 465,
                Security::None => 25,
            });
            Some(Smtp {
                host: s.host,
                port,
                security,
                user: s.user,
                password_env: s.password_env,
                password_file: s.password_file.map(|p| abs(&p)),
                timeout: Duration::from_secs(s.timeout_seconds.unwrap_or(DEFAULT_SMTP_TIMEOUT_SECONDS)),
            })
        }
    };
    if smtp.is_some() {
        match &raw.sender {
            Some(sender) => {
                let a = sender
                    .rsplit_once('<')
                    .map_or(sender.as_str(), |(_, a)| a.trim_end_matches('>'));
                address(&["delivery", "sender"], "sender", a)?;
            }
            None => {
                return Err(Problem::at(
                    &["delivery", "smtp"],
                    "[delivery] 配置了 smtp 就要写明 sender(发件人地址)",
                ));
            }
        }
    }
    let outbox = abs(raw.outbox.as_deref().unwrap_or(Path::new("outbox")));
    Ok(Delivery {
        outbox,
        sender: raw.sender,
        leaders: raw.leader,
        enterprises: raw.enterprise,
        units: raw.unit,
        smtp,
    })
}

/// The folders of a deployment, absolute.
#[derive(Debug, Clone)]
pub struct Paths {
    pub inbox: PathBuf,
    pub archive: PathBuf,
    pub rejected: PathBuf,
    pub reports: PathBuf,
    pub database: PathBuf,
    /// Only public files (公示): an index of the periods and each period's page and PDF, ready
    /// to copy to the bureau's website.
    pub public: PathBuf,
    /// The run log (`utility-eval.log`, kept to a bounded size).
    pub logs: PathBuf,
}

impl Paths {
    /// The folder of a period's outputs: `reports/2026-10/`.
    pub fn period_dir(&self, period: crate::period::Period) -> PathBuf {
        self.reports.join(period.to_string())
    }
}

/// Who submitted a return or is named in one.
#[derive(Debug, Clone, Copy)]
pub enum Party<'a> {
    Unit(&'a Unit),
    Enterprise(&'a Enterprise),
}

impl<'a> Party<'a> {
    pub fn code(self) -> &'a str {
        match self {
            Party::Unit(u) => &u.code,
            Party::Enterprise(e) => &e.code,
        }
    }

    pub fn name(self) -> &'a str {
        match self {
            Party::Unit(u) => &u.name,
            Party::Enterprise(e) => &e.name,
        }
    }
}

/// Caps that keep one hostile file from taking the machine down.
#[derive(Debug, Clone)]
pub struct Limits {
    pub max_file_bytes: u64,
    /// Sum of the declared inflated sizes of a zip package's entries.
    pub max_inflated_bytes: u64,
    /// Data rows below the header.
    pub max_rows: u32,
    pub max_columns: u32,
    /// Characters in one cell (Excel's own limit is 32,767).
    pub max_cell_chars: usize,
    /// Address-space limit of the xls/ods parsing child process.
    pub worker_memory_bytes: u64,
    pub worker_timeout_secs: u64,
    /// The program that runs the hidden `parse-worker` subcommand (this executable).
    pub worker_exe: Option<PathBuf>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 50 << 20,
            max_inflated_bytes: 1 << 30,
            max_rows: 200_000,
            max_columns: 256,
            max_cell_chars: 32_767,
            worker_memory_bytes: 2 << 30,
            worker_timeout_secs: 120,
            worker_exe: None,
        }
    }
}

/// A validated deployment configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub file: PathBuf,
    pub city: String,
    pub scheme: Scheme,
    /// The complaint-topic dictionary.
    pub topics: Topics,
    /// The report wording.
    pub wording: crate::wording::Wording,
    /// Working days, for deadlines and notice periods.
    pub calendar: crate::calendar::Calendar,
    pub paths: Paths,
    pub units: Vec<Unit>,
    pub enterprises: Vec<Enterprise>,
    pub limits: Limits,
    /// How long a file must have rested in the inbox before `run` takes it.
    pub settle: std::time::Duration,
    pub delivery: Delivery,
    /// Review and sign-off (SPEC §9b).
    pub release: ReleaseSettings,
    /// Users drawn for a call-back in the last this many quarters are left out of a new draw.
    pub exclude_quarters: u32,
    /// match key of every name, alias and code → (is_enterprise, index)
    names: HashMap<String, (bool, usize)>,
    /// match key of every county name, unit alias and code → the county as registered
    county_names: HashMap<String, String>,
    /// Every county name in use, in registry order (see [`Config::counties`]).
    county_list: Vec<String>,
    /// What "您是否指…" chooses from, match keys worked out once: the counties (as
    /// `county_list`), the enterprises' names and aliases, every unit's and enterprise's.
    county_index: NameIndex,
    enterprise_names: (Vec<String>, NameIndex),
    party_names: (Vec<String>, NameIndex),
    /// The suggestions already worked out (a run meets the same misspelling in many files).
    suggested: Suggested,
    /// Today, for survey dates that lie in the future.
    pub today: chrono::NaiveDate,
    /// [`Config::dependency_hash`], worked out once (the config is not changed once read).
    dependency: std::sync::OnceLock<String>,
}

/// Which list a remembered suggestion was chosen from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum NameList {
    County,
    Enterprise,
    Party,
}

/// Suggestions worked out so far: (list, typed) → the position of the closest name, if any.
/// Shared by the parsing threads; a copy of the config starts with none.
#[derive(Debug, Default)]
struct Suggested(std::sync::Mutex<HashMap<(NameList, String), Option<usize>>>);

impl Clone for Suggested {
    fn clone(&self) -> Self {
        Suggested::default()
    }
}

/// At most this many suggestions are remembered (typed values are not bounded).
const SUGGESTIONS_KEPT: usize = 10_000;

/// Today: the clock's date, or `UTILITY_EVAL_TODAY` (YYYY-MM-DD) where a date must be pinned
/// (tests, or re-running a day's deadlines).
/// A value that is no date is refused rather than passed over for the clock.
fn today() -> Result<chrono::NaiveDate, ConfigError> {
    match std::env::var("UTILITY_EVAL_TODAY") {
        Ok(d) => chrono::NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").map_err(|_| ConfigError::BadToday(d)),
        Err(_) => Ok(chrono::Local::now().date_naive()),
    }
}

/// Seconds a file must rest in the inbox before `run` takes it (a copy may be under way).
pub const DEFAULT_SETTLE_SECONDS: u64 = 60;

/// A configuration problem, with the file (and line, table and key) it is about.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("环境变量 UTILITY_EVAL_TODAY=“{0}”不是日期,应写作 2026-10-28(或不设置,按系统日期)")]
    BadToday(String),
    #[error("无法读取配置文件 {}:{}", path.display(), crate::output::io_zh(source))]
    Read { path: PathBuf, source: std::io::Error },
    /// A value that breaks a rule; the message names the file, the table and the key.
    #[error("{0}")]
    Invalid(String),
}

impl Config {
    /// Reads and checks the config file at `path`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Config::from_str(&text, path)
    }

    /// Checks config text; `path` names the file in errors and anchors relative paths.
    pub fn from_str(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let raw: RawConfig =
            toml::from_str(text).map_err(|e| ConfigError::Invalid(crate::text::toml_error_zh(path, text, &e)))?;
        let src = Source::new(text, path);
        // The city's name is part of the documents' file names.
        if let Some(why) = file_name_problem(&raw.city, 20) {
            return Err(src.fail(&["city"], format!("city = \"{}\" {why}", raw.city)));
        }
        let (mut scheme, topics, wording) = layers(&raw, &src)?;
        let calendar = match &raw.calendar {
            Some(p) => {
                let file = src.abs(p);
                let text = std::fs::read_to_string(&file)
                    .map_err(|e| src.fail(&["calendar"], format!("calendar = \"{}\" 无法读取:{e}", p.display())))?;
                crate::calendar::Calendar::parse(&text, &file).map_err(ConfigError::Invalid)?
            }
            None => crate::calendar::Calendar::builtin(),
        };
        thresholds(&raw.thresholds, &mut scheme, &src)?;
        let limits = limits(&raw.limits, &src)?;
        let names = registry_names(&raw.unit, &raw.enterprise, &src)?;
        let abs = |p: &Path| src.abs(p);
        let mut config = Config {
            file: path.to_path_buf(),
            city: raw.city,
            scheme,
            topics,
            wording,
            calendar,
            paths: Paths {
                inbox: abs(&raw.paths.inbox),
                archive: abs(&raw.paths.archive),
                rejected: abs(&raw.paths.rejected),
                reports: abs(&raw.paths.reports),
                database: abs(&raw.paths.database),
                public: abs(raw.paths.public.as_deref().unwrap_or(Path::new("public"))),
                logs: abs(raw.paths.logs.as_deref().unwrap_or(Path::new("logs"))),
            },
            units: raw.unit,
            enterprises: raw.enterprise,
            limits,
            settle: std::time::Duration::from_secs(raw.intake.settle_seconds.unwrap_or(DEFAULT_SETTLE_SECONDS)),
            exclude_quarters: raw.sampling.exclude_quarters.unwrap_or(1),
            delivery: Delivery::default(),
            release: ReleaseSettings {
                required: true,
                reviewers: Vec::new(),
                notice_days: DEFAULT_NOTICE_DAYS,
                contact: None,
            },
            names,
            county_names: HashMap::new(),
            county_list: Vec::new(),
            county_index: NameIndex::default(),
            enterprise_names: Default::default(),
            party_names: Default::default(),
            suggested: Suggested::default(),
            today: today()?,
            dependency: std::sync::OnceLock::new(),
        };
        config.delivery = delivery(raw.delivery, &config, &abs).map_err(|p| p.in_file(path, text))?;
        config.release = release(raw.release, &config.delivery).map_err(|p| p.in_file(path, text))?;
        check_paths(&config.paths, &config.delivery.outbox).map_err(|p| p.in_file(path, text))?;
        // The config names the leaders' and units' addresses: never on the website.
        let file = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        if resolved(&file).starts_with(resolved(&config.paths.public)) {
            return Err(src.fail(
                &["paths", "public"],
                format!(
                    "[paths] public = {} 包含了配置文件本身;公示文件夹会整个放到网站上,请另选一个位置",
                    config.paths.public.display()
                ),
            ));
        }
        check_recipients(&config).map_err(|p| p.in_file(path, text))?;
        config.index_counties();
        config.index_names();
        Ok(config)
    }

    /// Counties: each county unit stands for one (its `county`, else its name without a
    /// bureau suffix), found by its code, name and aliases with or without the suffix; an
    /// enterprise's county is the unit's it names, else its own.
    fn index_counties(&mut self) {
        let mut county_names: HashMap<String, String> = HashMap::new();
        let mut list: Vec<String> = Vec::new();
        let mut listed = std::collections::HashSet::new();
        for u in self.units.iter().filter(|u| u.role == Role::County) {
            let county = u.county_name().to_string();
            let keys = [&u.code, &u.name, &county].into_iter().chain(&u.aliases);
            for key in keys {
                for k in [match_key(key), match_key(strip_bureau_suffix(key))] {
                    county_names.entry(k).or_insert_with(|| county.clone());
                }
            }
            if listed.insert(county.clone()) {
                list.push(county);
            }
        }
        for e in &mut self.enterprises {
            let known = county_names
                .get(&match_key(&e.county))
                .or_else(|| county_names.get(&match_key(strip_bureau_suffix(&e.county))));
            if let Some(county) = known {
                e.county = county.clone();
            } else {
                county_names.insert(match_key(&e.county), e.county.clone());
            }
            if listed.insert(e.county.clone()) {
                list.push(e.county.clone());
            }
        }
        self.county_names = county_names;
        self.county_index = NameIndex::new(list.iter().map(String::as_str));
        self.county_list = list;
    }

    /// What "您是否指…" chooses from: the enterprises' names and aliases, and every party's.
    fn index_names(&mut self) {
        let enterprise_names: Vec<String> = (self.enterprises.iter())
            .flat_map(|e| std::iter::once(&e.name).chain(&e.aliases))
            .cloned()
            .collect();
        let unit_names = (self.units.iter()).flat_map(|u| std::iter::once(&u.name).chain(&u.aliases));
        let party_names: Vec<String> = unit_names.chain(&enterprise_names).cloned().collect();
        self.enterprise_names = (
            enterprise_names.clone(),
            NameIndex::new(enterprise_names.iter().map(String::as_str)),
        );
        self.party_names = (
            party_names.clone(),
            NameIndex::new(party_names.iter().map(String::as_str)),
        );
    }

    /// A unit or enterprise by name, alias or code.
    pub fn party(&self, typed: &str) -> Option<Party<'_>> {
        self.names.get(&match_key(typed)).map(|&(is_ent, i)| {
            if is_ent {
                Party::Enterprise(&self.enterprises[i])
            } else {
                Party::Unit(&self.units[i])
            }
        })
    }

    /// An enterprise by name, alias or code.
    pub fn enterprise(&self, typed: &str) -> Option<&Enterprise> {
        match self.party(typed) {
            Some(Party::Enterprise(e)) => Some(e),
            _ => None,
        }
    }

    pub fn enterprise_by_code(&self, code: &str) -> Option<&Enterprise> {
        self.enterprises.iter().find(|e| e.code == code)
    }

    /// The closest registered unit or enterprise name, for "您是否指…".
    pub fn suggest_party(&self, typed: &str) -> Option<&str> {
        let (names, index) = &self.party_names;
        let n = names[self.closest(NameList::Party, index, typed)?].as_str();
        Some(self.party(n).map(Party::name).unwrap_or(n))
    }

    /// The closest registered enterprise name.
    pub fn suggest_enterprise(&self, typed: &str) -> Option<&str> {
        let (names, index) = &self.enterprise_names;
        let n = names[self.closest(NameList::Enterprise, index, typed)?].as_str();
        Some(self.enterprise(n).map(|e| e.name.as_str()).unwrap_or(n))
    }

    /// The position in `index` of the name closest to `typed`, worked out once per run.
    fn closest(&self, list: NameList, index: &NameIndex, typed: &str) -> Option<usize> {
        let key = (list, typed.to_string());
        let lock = || self.suggested.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(&found) = lock().get(&key) {
            return found;
        }
        let found = index.closest(typed);
        let mut kept = lock();
        if kept.len() < SUGGESTIONS_KEPT {
            kept.insert(key, found);
        }
        found
    }

    /// Every county name in use: the county units' counties and the enterprises' counties.
    pub fn counties(&self) -> impl Iterator<Item = &str> {
        self.county_list.iter().map(String::as_str)
    }

    /// A hash of everything a period's outputs depend on besides the database: the program's
    /// version, the registry (city, units, enterprises), the scheme with its thresholds, the
    /// complaint topics and the report wording. Recorded with each period's outputs; a period
    /// whose outputs were made under another hash is recomputed (SPEC §4a).
    pub fn dependency_hash(&self) -> String {
        self.dependency.get_or_init(|| self.dependency_text()).clone()
    }

    fn dependency_text(&self) -> String {
        use sha2::{Digest, Sha256};
        let text = format!(
            "{}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{:?}\n{}\n{:?}",
            env!("CARGO_PKG_VERSION"),
            self.city,
            self.units,
            self.enterprises,
            self.scheme,
            self.topics,
            self.wording,
            // Sign-off on or off decides the documents' marks and names.
            if self.release.required { "release" } else { "" },
            // Deadlines and notice periods are counted in its working days.
            self.calendar
        );
        Sha256::digest(text.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// A county as registered, from its name, its unit's name, alias or code, with or
    /// without a bureau suffix (东华县, 东华县住建局).
    pub fn county(&self, typed: &str) -> Option<&str> {
        let names = &self.county_names;
        names
            .get(&match_key(typed))
            .or_else(|| names.get(&match_key(strip_bureau_suffix(typed))))
            .map(String::as_str)
    }

    /// The closest registered county, for "您是否指…".
    pub fn suggest_county(&self, typed: &str) -> Option<&str> {
        let i = self.closest(NameList::County, &self.county_index, typed)?;
        Some(self.county_list[i].as_str())
    }
}

/// A path with `.` and `..` resolved without touching the disk, then through the disk's
/// symbolic links as far as it exists.
fn resolved(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            c => out.push(c),
        }
    }
    // The longest existing ancestor, canonicalised, with the rest appended.
    let mut tail = Vec::new();
    let mut head = out.clone();
    loop {
        if let Ok(real) = head.canonicalize() {
            return tail.iter().rev().fold(real, |acc: PathBuf, part| acc.join(part));
        }
        match (head.file_name().map(|n| n.to_os_string()), head.parent()) {
            (Some(name), Some(parent)) => {
                tail.push(name);
                head = parent.to_path_buf();
            }
            _ => return out,
        }
    }
}

/// Refuses folders that overlap: any two of the inbox, archive, rejected, reports, public,
/// outbox, logs and the database's folder that are equal or one inside the other (after `..`
/// and symbolic links). Everything in the inbox is read as a return and moved away; `public/`
/// is rewritten for the website (what else is there is deleted, and all of it is published);
/// the others hold personal data or what the program keeps track of.
fn check_paths(paths: &Paths, outbox: &Path) -> Result<(), Problem> {
    let database_folder = paths.database.parent().unwrap_or(Path::new("/"));
    let folders = [
        ("[paths] inbox", paths.inbox.as_path()),
        ("[paths] archive", &paths.archive),
        ("[paths] rejected", &paths.rejected),
        ("[paths] reports", &paths.reports),
        ("[paths] public", &paths.public),
        ("[delivery] outbox", outbox),
        ("[paths] logs", &paths.logs),
        ("[paths] database 所在的文件夹", database_folder),
    ];
    // Where each is written: `[paths] inbox` under paths.inbox, the database's folder under
    // paths.database.
    let written = |key: &str| -> Vec<String> {
        let (table, name) = key.trim_start_matches('[').split_once("] ").unwrap_or(("paths", key));
        vec![table.to_string(), name.split(' ').next().unwrap_or(name).to_string()]
    };
    let real: Vec<PathBuf> = folders.iter().map(|(_, p)| resolved(p)).collect();
    for (i, (key, path)) in folders.iter().enumerate() {
        for (j, (other, other_path)) in folders.iter().enumerate().skip(i + 1) {
            let (a, b) = (&real[i], &real[j]);
            let how = if a == b {
                "相同"
            } else if b.starts_with(a) {
                "包含了"
            } else if a.starts_with(b) {
                "位于其内"
            } else {
                continue;
            };
            let why = if i == 0 {
                "收件箱中的一切都会被当作报表读取和移走"
            } else if *key == "[paths] public" || *other == "[paths] public" {
                "公示文件夹每次都会重写(其中的其他文件会被删除),并且整个放到网站上"
            } else {
                "各文件夹存放不同的内容,互相嵌套会造成文件被覆盖、删除或公开"
            };
            let message = format!(
                "{key} = {} 与 {other} = {} {how};{why}。请为两者各选一个互不包含的位置",
                path.display(),
                other_path.display()
            );
            // The line of the later one in the list, else of the earlier (either may be left
            // at its default, not written).
            return Err(Problem {
                key: written(other),
                or_else: Some(written(key)),
                message,
            });
        }
    }
    Ok(())
}

/// Refuses recipients that would share an outbox folder (`JL` + `竟陵_街道` and `JL_竟陵` +
/// `街道` both make `单位_JL_竟陵_街道`): one would receive the other's documents.
fn check_recipients(config: &Config) -> Result<(), Problem> {
    let mut seen: HashMap<String, String> = HashMap::new();
    let place = |table: &[&str], i: usize| -> Vec<String> {
        (table.iter().map(|t| t.to_string())).chain([i.to_string()]).collect()
    };
    let keys = (config.delivery.leaders.iter().enumerate())
        .map(|(i, l)| {
            (
                l.recipient_key(),
                format!("[[delivery.leader]] “{}”", l.name),
                place(&["delivery", "leader"], i),
            )
        })
        .chain((config.units.iter().enumerate()).map(|(i, u)| {
            (
                u.recipient_key(),
                format!("[[unit]] {}“{}”", u.code, u.name),
                place(&["unit"], i),
            )
        }))
        .chain((config.enterprises.iter().enumerate()).map(|(i, e)| {
            (
                e.recipient_key(),
                format!("[[enterprise]] {}“{}”", e.code, e.name),
                place(&["enterprise"], i),
            )
        }));
    for (folder, what, key) in keys {
        // Folders that differ only in letter case are one folder on some systems.
        if let Some(first) = seen.insert(folder.to_lowercase(), what.clone()) {
            let message = format!(
                "{first} 与 {what} 在发件箱中会用同一个文件夹“{folder}”,一方会收到另一方的材料;请改动其中一个的代码或名称"
            );
            return Err(Problem {
                key,
                or_else: None,
                message,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 5321 §4.5.3.2.6: a client waits 10 minutes for the reply to the end of a message's
    /// data (a server may scan attachments before it answers). A shorter default gave up on
    /// busy servers and made everyone's mail wait (issue 17).
    #[test]
    fn the_smtp_timeout_waits_as_long_as_rfc_5321_asks_for_the_end_of_data() {
        let text = format!("{GOOD}\n[delivery]\nsender = \"a@b.cn\"\n[delivery.smtp]\nhost = \"127.0.0.1\"\n");
        let c = load(&text).unwrap();
        assert_eq!(c.delivery.smtp.unwrap().timeout, Duration::from_secs(600));
    }

    const GOOD: &str = r#"
city = "天门市"
[paths]
inbox = "inbox"
archive = "archive"
rejected = "rejected"
reports = "reports"
database = "data/utility-eval.sqlite"

[[unit]]
code = "JL"
name = "竟陵街道"
aliases = ["竟陵街道办事处"]

[[enterprise]]
code = "GS01"
name = "天门市第一供水有限公司"
utility = "供水"
county = "竟陵街道"
head = "张某"
aliases = ["第一供水公司"]
"#;

    fn load(text: &str) -> Result<Config, ConfigError> {
        Config::from_str(text, Path::new("/srv/eval/utility-eval.toml"))
    }

    /// The 1-based line of the first line of `text` that starts with `start` (after spaces).
    fn line_starting(text: &str, start: &str, nth: usize) -> usize {
        let mut found = text
            .lines()
            .enumerate()
            .filter(|(_, l)| l.trim_start().starts_with(start));
        found.nth(nth).map(|(i, _)| i + 1).unwrap()
    }

    #[test]
    fn a_rule_broken_after_parsing_names_the_line_of_its_key() {
        let second = GOOD.replace("[[unit]]", "[[unit]]\ncode = \"YK\"\nname = \"岳口镇\"\n\n[[unit]]");
        let cases: Vec<(String, String, usize)> = vec![
            (
                format!("{GOOD}\n[thresholds]\n# 行动线\naction = 120\n"),
                "action".into(),
                0,
            ),
            (format!("{GOOD}\n[limits]\nmax_file_mb = 0\n"), "max_file_mb".into(), 0),
            (
                second.replace("code = \"JL\"", "code = \"yk\""),
                "code = \"yk\"".into(),
                0,
            ),
            (
                GOOD.replace("name = \"天门市第一供水有限公司\"", "name = \"a/b\""),
                "name = \"a/b\"".into(),
                0,
            ),
            (
                GOOD.replace("reports = \"reports\"", "reports = \"inbox/r\""),
                "reports".into(),
                0,
            ),
            // public left at its default: the line of the one written.
            (
                GOOD.replace("reports = \"reports\"", "reports = \"public\""),
                "reports".into(),
                0,
            ),
            (GOOD.replace("city = \"天门市\"", "city = \"市/x\""), "city".into(), 0),
            (
                format!(
                    "{GOOD}\n[delivery]\n[[delivery.leader]]\nname = \"王\"\nemail = \"w@tm.gov.cn\"\n[[delivery.leader]]\nname = \"王\"\nemail = \"x@tm.gov.cn\"\n"
                ),
                "name = \"王\"".into(),
                1,
            ),
            (
                format!(
                    "{GOOD}\n[delivery]\nsender = \"a@tm.gov.cn\"\n[delivery.smtp]\nhost = \"mail.tm.gov.cn\"\npassword = \"x\"\n"
                ),
                "password".into(),
                0,
            ),
            (
                format!(
                    "{GOOD}\n[delivery]\n[[delivery.leader]]\nname = \"王局长\"\nemail = \"w@tm.gov.cn\"\n[release]\nreviewers = [\"王局\"]\n"
                ),
                "reviewers".into(),
                0,
            ),
            (format!("{GOOD}\n[release]\nnotice_days = 0\n"), "notice_days".into(), 0),
        ];
        for (text, key, nth) in cases {
            let e = load(&text).unwrap_err().to_string();
            let line = line_starting(&text, &key, nth);
            assert!(
                e.starts_with(&format!("配置文件 /srv/eval/utility-eval.toml 第 {line} 行:")),
                "{key}: {e}"
            );
        }
    }

    #[test]
    fn sign_off_is_required_unless_turned_off_and_reviewers_default_to_every_leader() {
        let leaders = "\n[delivery]\n[[delivery.leader]]\nname = \"王局长\"\nemail = \"w@tm.gov.cn\"\n[[delivery.leader]]\nname = \"李副局长\"\nemail = \"l@tm.gov.cn\"\n";
        let c = load(&format!("{GOOD}{leaders}")).unwrap();
        assert!(c.release.required, "no [release] table: sign-off is required");
        assert_eq!(c.release.reviewers, ["王局长", "李副局长"]);
        assert_eq!((c.release.notice_days, c.release.contact.as_deref()), (5, None));
        let c = load(&format!(
            "{GOOD}{leaders}[release]\nrequired = false\nreviewers = [\"李副局长\"]\ncontact = \" 城建科 \"\n"
        ))
        .unwrap();
        assert!(!c.release.required);
        assert_eq!(c.release.reviewers, ["李副局长"]);
        assert_eq!(c.release.contact.as_deref(), Some("城建科"));
        let e = load(&format!("{GOOD}{leaders}[release]\nreviewers = [\"王局\"]\n"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("“王局”不是 [[delivery.leader]] 中的领导(已登记的领导:王局长、李副局长)"),
            "{e}"
        );
    }

    #[test]
    fn the_spec_form_loads() {
        let c = load(GOOD).unwrap();
        assert_eq!(c.city, "天门市");
        assert_eq!(c.paths.database, PathBuf::from("/srv/eval/data/utility-eval.sqlite"));
        assert_eq!(c.party("竟陵街道办事处").map(Party::code), Some("JL"));
        assert_eq!(c.party("gs01").map(Party::code), Some("GS01"));
        assert_eq!(c.enterprise("第一供水公司").map(|e| e.head.as_str()), Some("张某"));
        assert_eq!(
            c.suggest_enterprise("天门市第一供水有线公司"),
            Some("天门市第一供水有限公司")
        );
        assert_eq!(c.county("JL"), Some("竟陵街道"));
        assert_eq!(c.scheme.thresholds.action, 80.0);
    }

    #[test]
    fn counties_are_one_whatever_suffix_names_them() {
        let text = format!(
            "{GOOD}\n[[unit]]\ncode = \"DH\"\nname = \"东华县住建局\"\n\n[[enterprise]]\ncode = \"GS09\"\nname = \"东华水务\"\nutility = \"供水\"\ncounty = \"东华县住房和城乡建设局\"\nhead = \"某\"\n"
        );
        let c = load(&text).unwrap();
        assert_eq!(c.county("东华县"), Some("东华县"));
        assert_eq!(c.county("东华县住建局"), Some("东华县"));
        assert_eq!(c.county("dh"), Some("东华县"));
        assert_eq!(
            c.enterprise_by_code("GS09").unwrap().county,
            "东华县",
            "one county, not two"
        );
        assert_eq!(c.counties().collect::<Vec<_>>(), ["竟陵街道", "东华县"]);
        assert_eq!(c.suggest_county("东华"), Some("东华县"));
        assert_eq!(strip_bureau_suffix("岳口镇人民政府"), "岳口镇");
        assert_eq!(strip_bureau_suffix("住建局"), "住建局", "nothing left to name");
    }

    #[test]
    fn an_inbox_holding_another_folder_is_refused() {
        let e = load(&GOOD.replace("archive = \"archive\"", "archive = \"inbox/归档\""))
            .unwrap_err()
            .to_string();
        assert!(e.contains("[paths] archive") && e.contains("[paths] inbox"), "{e}");
        let e = load(&GOOD.replace(
            "database = \"data/utility-eval.sqlite\"",
            "database = \"./inbox/../inbox/x.db\"",
        ))
        .unwrap_err()
        .to_string();
        assert!(e.contains("[paths] database"), "{e}");
        assert!(
            load(&GOOD.replace("archive = \"archive\"", "archive = \"inbox2\"")).is_ok(),
            "a name sharing a prefix is not inside"
        );
    }

    #[test]
    fn delivery_is_typed_and_checked() {
        let ok = format!(
            "{GOOD}\n[delivery]\nsender = \"市住建局 <pj@tm.gov.cn>\"\n[[delivery.leader]]\nname = \"王局长\"\nemail = \"wang@tm.gov.cn\"\n[delivery.enterprise]\nGS01 = \"gs01@example.com\"\n[delivery.smtp]\nhost = \"127.0.0.1\"\nuser = \"pj\"\npassword_env = \"SMTP_PASSWORD\"\n"
        );
        let c = load(&ok).unwrap();
        assert_eq!(c.delivery.outbox, PathBuf::from("/srv/eval/outbox"));
        assert_eq!(c.delivery.leaders[0].email, "wang@tm.gov.cn");
        let smtp = c.delivery.smtp.as_ref().unwrap();
        assert_eq!((smtp.port, smtp.security), (587, Security::Starttls));
        let e = load(&ok.replace("password_env = \"SMTP_PASSWORD\"", "password = \"123456\""))
            .unwrap_err()
            .to_string();
        assert!(e.contains("密码不得写在配置文件中"), "{e}");
        let e = load(&ok.replace("GS01 = ", "GS09 = ")).unwrap_err().to_string();
        assert!(e.contains("GS09 不是登记的企业代码"), "{e}");
        let e = load(&ok.replace("wang@tm.gov.cn", "wang")).unwrap_err().to_string();
        assert!(e.contains("不是有效的电子邮件地址"), "{e}");
        let e = load(&format!("{GOOD}\n[delivery]\nrecipients = 1\n"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("recipients") && e.contains("未知的配置项"), "{e}");
    }

    #[test]
    fn thresholds_can_be_overridden() {
        let c = load(&format!("{GOOD}\n[thresholds]\naction = 85.0\n")).unwrap();
        assert_eq!(c.scheme.thresholds.action, 85.0);
        assert_eq!(c.scheme.thresholds.min_sample, 30);
        assert_eq!(c.scheme.thresholds.min_ranked, 3, "the scheme's default");
        let c = load(&format!("{GOOD}\n[thresholds]\nmin_ranked = 2\n")).unwrap();
        assert_eq!(c.scheme.thresholds.min_ranked, 2);
        let e = load(&format!("{GOOD}\n[thresholds]\nmin_ranked = 0\n"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("min_ranked"), "{e}");
    }

    #[test]
    fn unknown_key_names_file_line_and_key() {
        let text = GOOD.replace("head = \"张某\"", "head = \"张某\"\nmanager = \"王某\"");
        let e = load(&text).unwrap_err().to_string();
        assert!(e.contains("/srv/eval/utility-eval.toml"), "{e}");
        assert!(e.contains("manager"), "{e}");
        assert!(e.contains("未知的配置项"), "{e}");
        assert!(e.contains("[[enterprise]]"), "{e}");
    }

    #[test]
    fn missing_field_is_named() {
        let e = load(&GOOD.replace("head = \"张某\"\n", "")).unwrap_err().to_string();
        assert!(e.contains("缺少必填项") && e.contains("head"), "{e}");
    }

    #[test]
    fn duplicate_code_is_an_error() {
        let text = format!("{GOOD}\n[[unit]]\ncode = \"JL\"\nname = \"另一个\"\n");
        let e = load(&text).unwrap_err().to_string();
        assert!(e.contains("code = \"JL\" 重复"), "{e}");
    }

    #[test]
    fn leaders_need_a_usable_folder_name_and_a_mailable_address() {
        let with = |leaders: &str| {
            load(&format!("{GOOD}\n[delivery]\n{leaders}"))
                .map(|_| ())
                .map_err(|e| e.to_string())
        };
        let leader = |name: &str, email: &str| format!("[[delivery.leader]]\nname = \"{name}\"\nemail = \"{email}\"\n");
        assert!(with(&leader("王局长", "wang@example.gov.cn")).is_ok());
        assert!(
            with(&leader("../王", "wang@example.gov.cn"))
                .unwrap_err()
                .contains("文件夹名")
        );
        let twice = format!(
            "{}{}",
            leader("王局长", "a@example.gov.cn"),
            leader("王局长", "b@example.gov.cn")
        );
        assert!(with(&twice).unwrap_err().contains("重复"));
        for bad in ["wang@localhost", "wang@", "wang example@x.cn", "wang@@x.cn"] {
            assert!(
                with(&leader("王局长", bad))
                    .unwrap_err()
                    .contains("不是有效的电子邮件地址"),
                "{bad}"
            );
        }
    }

    #[test]
    fn names_that_cannot_be_file_names_are_refused() {
        let slash = load(&GOOD.replace("天门市第一供水有限公司", "天门市供水/燃气公司"))
            .unwrap_err()
            .to_string();
        assert!(
            slash.contains("不能用于文件名") && slash.contains("天门市供水/燃气公司"),
            "{slash}"
        );
        let long = "很长的名称".repeat(11);
        let e = load(&GOOD.replace("天门市第一供水有限公司", &long))
            .unwrap_err()
            .to_string();
        assert!(e.contains("过长"), "{e}");
    }

    #[test]
    fn bad_utility_is_explained() {
        let e = load(&GOOD.replace("utility = \"供水\"", "utility = \"供电\""))
            .unwrap_err()
            .to_string();
        assert!(e.contains("供电") && e.contains("无效"), "{e}");
    }
}
