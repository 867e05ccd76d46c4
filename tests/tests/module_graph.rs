//! No import cycle between the modules (files) of `secure-api` nor of
//! `secure-api-macros`, and every file of `secure-api` imports only from
//! its own layer or below ([`SECURE_API_LAYERS`]).
//!
//! Each crate's `src/` is read as text; nothing is built and no dependency
//! is needed. Every `.rs` file is a module (`lib.rs` is `crate`, `a.rs` and
//! `a/mod.rs` are `crate::a`, `a/b.rs` is `crate::a::b`). A file references
//! another module of its crate through a `use` declaration (`crate::`,
//! `super::`, `self::`, or a child module's name; grouped trees over several
//! lines included) or through a path in its code (`crate::a::f()`,
//! `super::X`, `child::Y`). Comments, string and char literals, and the
//! bodies of `quote!`-like macros (code generated for another crate) are
//! skipped. A path resolves to the longest prefix of it that is a module
//! file, so `crate::auth::jwt::Claims` is `auth/jwt.rs` and
//! `crate::Problem`, an item re-exported at the crate root, is `lib.rs`:
//! internal code must not import through the root. `mod x;` is not a
//! reference; `pub use x::Y;` is.
//!
//! The references make a directed graph per crate; every strongly connected
//! component of more than one file is a cycle. The failure lists, for each
//! component, cycles that together cover every edge inside it, and for each
//! edge the `file:line: text` lines that make it.
//!
//! What the scanner does not see: `#[path = ".."]` attributes, `include!`,
//! paths inside string literals (`#[serde(with = "crate::x")]`), names
//! brought in by a glob and then used bare, and code that macros generate
//! (a `macro_rules!` body is read as if it were written where it is
//! defined; `$crate` counts as `crate`).

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt::Write as _;
use std::fs;
use std::path::Path;

#[test]
fn secure_api_has_no_import_cycle() {
    assert_no_import_cycle(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../secure-api/src"));
}

#[test]
fn secure_api_macros_has_no_import_cycle() {
    assert_no_import_cycle(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../secure-api-macros/src"));
}

/// The layers of `secure-api/src`, bottom up, as the crate root lists its
/// modules: each entry a file or a folder (ending in `/`) and its layer. A
/// file's layer is that of its longest matching entry; a file in no entry
/// fails the test, so a new file must be placed.
///
/// 0 primitives (import nothing from the crate), 1 policy data (what the
/// macro emits, every refusal), 2 mechanisms (one concept each; nothing of
/// the configuration or the pipeline), 3 assembly (the configuration, and
/// adapters built from it), 4 the request pipeline, 5 the facade.
const SECURE_API_LAYERS: &[(&str, u8)] = &[
    ("error.rs", 0),
    ("hex.rs", 0),
    ("problem.rs", 0),
    ("secret.rs", 0),
    ("authz.rs", 1),
    ("event.rs", 1),
    ("policy.rs", 1),
    ("rate_limit/quota.rs", 1),
    ("rejection.rs", 1),
    ("version.rs", 1),
    ("alert.rs", 2),
    ("auth/", 2),
    ("client_ip.rs", 2),
    ("cors.rs", 2),
    ("headers.rs", 2),
    ("methods.rs", 2),
    ("metrics.rs", 2),
    ("rate_limit/", 2),
    ("redact/", 2),
    ("request_id.rs", 2),
    ("scrub.rs", 2),
    ("store/", 2),
    ("validation/", 2),
    ("config.rs", 3),
    ("config/", 3),
    ("rate_limit/global.rs", 3),
    ("audit/", 4),
    ("guard.rs", 4),
    ("health.rs", 4),
    ("middleware/", 4),
    ("state.rs", 4),
    ("__private.rs", 5),
    ("lib.rs", 5),
    ("server.rs", 5),
];

#[test]
fn secure_api_files_import_only_their_own_layer_or_below() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../secure-api/src");
    let sources = read_sources(&src);
    let files: Vec<(&str, &str)> = sources
        .iter()
        .map(|(path, text)| (path.as_str(), text.as_str()))
        .collect();
    let graph = ModuleGraph::new(&files);
    let violations = layer_violations(&graph, SECURE_API_LAYERS);
    assert!(
        violations.is_empty(),
        "files of {} that are in no layer, or import from a layer above their own:\n{}",
        src.display(),
        violations.join("\n")
    );
}

/// The layer of `file` by the longest matching entry of `layers`.
fn layer_of(file: &str, layers: &[(&str, u8)]) -> Option<u8> {
    layers
        .iter()
        .filter(|(entry, _)| {
            if entry.ends_with('/') {
                file.starts_with(entry)
            } else {
                file == *entry
            }
        })
        .max_by_key(|(entry, _)| entry.len())
        .map(|&(_, layer)| layer)
}

/// One line per file in no layer, and per reference that runs upwards,
/// quoting the line that makes it.
fn layer_violations(graph: &ModuleGraph, layers: &[(&str, u8)]) -> Vec<String> {
    let mut out: Vec<String> = graph
        .files
        .iter()
        .filter(|file| layer_of(file, layers).is_none())
        .map(|file| format!("{file}: in no layer; add it to the table"))
        .collect();
    for (&(from, to), lines) in &graph.edges {
        let (Some(here), Some(there)) = (
            layer_of(&graph.files[from], layers),
            layer_of(&graph.files[to], layers),
        ) else {
            continue;
        };
        if there > here {
            let line = lines.keys().next().copied().unwrap_or(1);
            out.push(format!(
                "{} (layer {here}) imports {} (layer {there}): {}:{line}: {}",
                graph.files[from],
                graph.files[to],
                graph.files[from],
                graph.line_text(from, line).trim()
            ));
        }
    }
    out
}

/// Fails, naming every cycle and the lines that make it, when the modules
/// under `src` import each other in a circle.
fn assert_no_import_cycle(src: &Path) {
    let sources = read_sources(src);
    assert!(
        sources.iter().any(|(path, _)| path == "lib.rs"),
        "no lib.rs under {}: the test looks in the wrong place",
        src.display()
    );
    let files: Vec<(&str, &str)> = sources
        .iter()
        .map(|(path, text)| (path.as_str(), text.as_str()))
        .collect();
    let graph = ModuleGraph::new(&files);
    let groups = graph.cycle_groups();
    assert!(
        groups.is_empty(),
        "{}",
        graph.report(&groups, &src.display().to_string())
    );
}

/// Every `.rs` file under `src`, as (path relative to `src` with `/`
/// separators, contents), sorted by path.
fn read_sources(src: &Path) -> Vec<(String, String)> {
    let mut sources = Vec::new();
    let mut pending = vec![src.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries =
            fs::read_dir(&dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
        for entry in entries {
            let path = entry
                .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
                .path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                let text = fs::read_to_string(&path)
                    .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
                let relative = path
                    .strip_prefix(src)
                    .unwrap_or_else(|e| {
                        panic!("{} is not under {}: {e}", path.display(), src.display())
                    })
                    .components()
                    .map(|part| part.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/");
                sources.push((relative, text));
            }
        }
    }
    sources.sort();
    sources
}

/// The modules of one crate and the references between them.
struct ModuleGraph {
    /// Each file's path under `src/`, e.g. `auth/mod.rs`, sorted.
    files: Vec<String>,
    /// Each file's lines, to quote them in the report.
    lines: Vec<Vec<String>>,
    /// For each (referencing file, referenced file), the lines (from 1) of
    /// the first that name the second, each with the line where its `use`
    /// declaration starts when that is an earlier one.
    edges: BTreeMap<(usize, usize), BTreeMap<usize, Option<usize>>>,
}

/// Files that reach each other through references (a strongly connected
/// component of the graph), with cycles that cover each edge among them.
struct CycleGroup {
    /// The files of the component, in path order.
    members: Vec<usize>,
    /// Closed walks `[a, b, .., a]`, shortest first; together they hold
    /// every edge between two members.
    cycles: Vec<Vec<usize>>,
}

impl ModuleGraph {
    /// The graph of `files`, each (path under `src/`, contents).
    fn new(files: &[(&str, &str)]) -> Self {
        let mut sorted: Vec<(&str, &str)> = files.to_vec();
        sorted.sort_unstable();
        let modules: BTreeMap<Vec<String>, usize> = sorted
            .iter()
            .enumerate()
            .filter_map(|(index, (path, _))| module_of(path).map(|module| (module, index)))
            .collect();
        let mut edges: BTreeMap<(usize, usize), BTreeMap<usize, Option<usize>>> = BTreeMap::new();
        for (from, (path, text)) in sorted.iter().enumerate() {
            let Some(module) = module_of(path) else {
                continue;
            };
            for reference in references(&tokenize(text), &module) {
                let to = (0..=reference.path.len())
                    .rev()
                    .find_map(|len| modules.get(&reference.path[..len]));
                if let Some(&to) = to
                    && to != from
                {
                    let use_line = reference.use_line.filter(|&start| start < reference.line);
                    edges
                        .entry((from, to))
                        .or_default()
                        .insert(reference.line, use_line);
                }
            }
        }
        ModuleGraph {
            files: sorted.iter().map(|(path, _)| (*path).to_owned()).collect(),
            lines: sorted
                .iter()
                .map(|(_, text)| text.lines().map(str::to_owned).collect())
                .collect(),
            edges,
        }
    }

    /// The files that `from` references.
    fn targets(&self, from: usize) -> impl Iterator<Item = usize> + '_ {
        self.edges
            .range((from, 0)..(from + 1, 0))
            .map(|(&(_, to), _)| to)
    }

    /// Every strongly connected component of more than one file, with
    /// cycles covering its edges.
    fn cycle_groups(&self) -> Vec<CycleGroup> {
        self.components()
            .into_iter()
            .filter(|component| component.len() > 1)
            .map(|mut members| {
                members.sort_unstable();
                let cycles = self.covering_cycles(&members);
                CycleGroup { members, cycles }
            })
            .collect()
    }

    /// The strongly connected components (Tarjan's algorithm), sorted by
    /// their first file.
    fn components(&self) -> Vec<Vec<usize>> {
        let mut tarjan = Tarjan {
            graph: self,
            next_index: 0,
            index: vec![None; self.files.len()],
            low: vec![0; self.files.len()],
            stack: Vec::new(),
            on_stack: vec![false; self.files.len()],
            components: Vec::new(),
        };
        for file in 0..self.files.len() {
            if tarjan.index[file].is_none() {
                tarjan.visit(file);
            }
        }
        let mut components = tarjan.components;
        for component in &mut components {
            component.sort_unstable();
        }
        components.sort();
        components
    }

    /// Cycles inside the component `members` that together hold each of its
    /// edges: repeatedly the shortest cycle through an edge not yet held,
    /// each rotated to start at its first file in path order.
    fn covering_cycles(&self, members: &[usize]) -> Vec<Vec<usize>> {
        let inside: BTreeSet<usize> = members.iter().copied().collect();
        let mut uncovered: BTreeSet<(usize, usize)> = self
            .edges
            .keys()
            .filter(|(from, to)| inside.contains(from) && inside.contains(to))
            .copied()
            .collect();
        let mut cycles = Vec::new();
        while !uncovered.is_empty() {
            let shortest = uncovered
                .iter()
                .filter_map(|&(from, to)| {
                    let back = self.shortest_path(&inside, to, from)?;
                    Some(std::iter::once(from).chain(back).collect::<Vec<_>>())
                })
                .min_by_key(Vec::len);
            // Every edge inside a strongly connected component lies on a cycle.
            let Some(cycle) = shortest else { break };
            for step in cycle.windows(2) {
                uncovered.remove(&(step[0], step[1]));
            }
            cycles.push(rotate_to_smallest(&cycle));
        }
        cycles
    }

    /// The shortest path `[from, .., to]` through files of `inside`
    /// (breadth-first search).
    fn shortest_path(
        &self,
        inside: &BTreeSet<usize>,
        from: usize,
        to: usize,
    ) -> Option<Vec<usize>> {
        let mut came_from: BTreeMap<usize, usize> = BTreeMap::new();
        let mut queue = VecDeque::from([from]);
        let mut seen = BTreeSet::from([from]);
        while let Some(file) = queue.pop_front() {
            if file == to {
                let mut path = vec![to];
                while let Some(&previous) = came_from.get(path.last()?) {
                    path.push(previous);
                }
                path.reverse();
                return Some(path);
            }
            for next in self.targets(file) {
                if inside.contains(&next) && seen.insert(next) {
                    came_from.insert(next, file);
                    queue.push_back(next);
                }
            }
        }
        None
    }

    /// The failure message: each group, its cycles, and for each edge of a
    /// cycle the lines that make it (all of them where the edge first
    /// appears, then the first one only).
    fn report(&self, groups: &[CycleGroup], src: &str) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "import cycles between the modules of {src}: {} group(s) of files reach each other.",
            groups.len()
        );
        let _ = writeln!(
            out,
            "Break one edge of every cycle below: import an item from the file that defines it \
             (not through the crate root or a parent's `pub use`), or move it down a layer.",
        );
        let mut quoted: BTreeSet<(usize, usize)> = BTreeSet::new();
        for (number, group) in groups.iter().enumerate() {
            let names: Vec<&str> = group
                .members
                .iter()
                .map(|&file| self.files[file].as_str())
                .collect();
            let _ = writeln!(
                out,
                "\ngroup {}: {} files: {}",
                number + 1,
                names.len(),
                names.join(", ")
            );
            for cycle in &group.cycles {
                let chain: Vec<&str> = cycle
                    .iter()
                    .map(|&file| self.files[file].as_str())
                    .collect();
                let _ = writeln!(out, "  cycle: {}", chain.join(" -> "));
                for step in cycle.windows(2) {
                    let (from, to) = (step[0], step[1]);
                    let _ = writeln!(out, "    {} -> {}:", self.files[from], self.files[to]);
                    let lines = self.edges.get(&(from, to)).into_iter().flatten();
                    let shown = if quoted.insert((from, to)) {
                        usize::MAX
                    } else {
                        1
                    };
                    for (&line, &use_line) in lines.clone().take(shown) {
                        let _ = write!(
                            out,
                            "      {}:{line}: {}",
                            self.files[from],
                            self.line_text(from, line)
                        );
                        if let Some(start) = use_line {
                            let _ = write!(out, "   (in: {})", self.line_text(from, start));
                        }
                        out.push('\n');
                    }
                    let more = lines.count().saturating_sub(shown);
                    if more > 0 {
                        let _ = writeln!(out, "      and {more} more line(s), quoted above");
                    }
                }
            }
        }
        out
    }

    /// Line `line` (from 1) of `file`, trimmed.
    fn line_text(&self, file: usize, line: usize) -> &str {
        self.lines[file]
            .get(line - 1)
            .map_or("", |text| text.trim())
    }
}

/// The state of Tarjan's strongly connected components algorithm.
struct Tarjan<'g> {
    /// The graph searched.
    graph: &'g ModuleGraph,
    /// The next discovery index.
    next_index: usize,
    /// Each file's discovery index, once visited.
    index: Vec<Option<usize>>,
    /// Each file's lowest discovery index reachable in its search tree.
    low: Vec<usize>,
    /// Files visited whose component is not complete yet.
    stack: Vec<usize>,
    /// Whether each file is on `stack`.
    on_stack: Vec<bool>,
    /// The components found.
    components: Vec<Vec<usize>>,
}

impl Tarjan<'_> {
    /// Visits `file` and what it reaches; pops each completed component.
    fn visit(&mut self, file: usize) {
        self.index[file] = Some(self.next_index);
        self.low[file] = self.next_index;
        self.next_index += 1;
        self.stack.push(file);
        self.on_stack[file] = true;
        let targets: Vec<usize> = self.graph.targets(file).collect();
        for next in targets {
            match self.index[next] {
                None => {
                    self.visit(next);
                    self.low[file] = self.low[file].min(self.low[next]);
                }
                Some(index) if self.on_stack[next] => self.low[file] = self.low[file].min(index),
                Some(_) => {}
            }
        }
        if self.index[file] == Some(self.low[file]) {
            let mut component = Vec::new();
            while let Some(member) = self.stack.pop() {
                self.on_stack[member] = false;
                component.push(member);
                if member == file {
                    break;
                }
            }
            self.components.push(component);
        }
    }
}

/// The closed walk `cycle` (`[a, b, .., a]`) started at its smallest file.
fn rotate_to_smallest(cycle: &[usize]) -> Vec<usize> {
    let open = &cycle[..cycle.len() - 1];
    let start = (0..open.len()).min_by_key(|&at| open[at]).unwrap_or(0);
    let mut rotated: Vec<usize> = open[start..]
        .iter()
        .chain(&open[..start])
        .copied()
        .collect();
    rotated.push(rotated[0]);
    rotated
}

/// The module path of the file at `path` under `src/`, as its segments
/// after `crate` (`lib.rs` is `[]`, `a/mod.rs` and `a.rs` are `["a"]`);
/// `None` for a file that is not Rust.
fn module_of(path: &str) -> Option<Vec<String>> {
    let stem = path.strip_suffix(".rs")?;
    if stem == "lib" {
        return Some(Vec::new());
    }
    let mut segments: Vec<String> = stem.split('/').map(str::to_owned).collect();
    if segments.last().is_some_and(|last| last == "mod") {
        segments.pop();
    }
    Some(segments)
}

/// A token of Rust source: what the scanner needs, literals and comments
/// left out.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    /// An identifier or keyword (`r#x` is `x`, `$crate` is `crate`).
    Ident(String),
    /// `::`.
    PathSep,
    /// Any other punctuation character.
    Punct(char),
}

/// A token and the line (from 1) where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Token {
    /// The token.
    tok: Tok,
    /// Its line.
    line: usize,
}

/// The tokens of `source`, without comments, doc comments, string, byte
/// string, raw string and char literals, numbers and lifetimes.
fn tokenize(source: &str) -> Vec<Token> {
    let chars: Vec<char> = source.chars().collect();
    let mut tokens = Vec::new();
    let mut line = 1;
    let mut at = 0;
    while at < chars.len() {
        let c = chars[at];
        let next = chars.get(at + 1).copied();
        // The end of a skipped literal or comment.
        let skipped_to = if c == '/' && next == Some('/') {
            Some(
                chars[at..]
                    .iter()
                    .position(|&c| c == '\n')
                    .map_or(chars.len(), |end| at + end),
            )
        } else if c == '/' && next == Some('*') {
            Some(block_comment_end(&chars, at))
        } else if c == '"' {
            Some(string_end(&chars, at + 1))
        } else if c == '\'' {
            Some(char_literal_end(&chars, at).unwrap_or_else(|| ident_end(&chars, at + 1)))
        } else if c.is_ascii_digit() {
            Some(number_end(&chars, at))
        } else {
            None
        };
        if let Some(end) = skipped_to {
            line += chars[at..end].iter().filter(|&&c| c == '\n').count();
            at = end;
            continue;
        }
        if is_ident_start(c) || (c == '$' && ident_at(&chars, at + 1) == "crate") {
            let start = if c == '$' { at + 1 } else { at };
            let end = ident_end(&chars, start);
            let word: String = chars[start..end].iter().collect();
            if matches!(word.as_str(), "r" | "br" | "cr")
                && let Some(end) = raw_string_end(&chars, end)
            {
                line += chars[at..end].iter().filter(|&&c| c == '\n').count();
                at = end;
                continue;
            }
            if word == "r"
                && chars.get(end) == Some(&'#')
                && chars.get(end + 1).is_some_and(|&c| is_ident_start(c))
            {
                let raw_end = ident_end(&chars, end + 1);
                tokens.push(Token {
                    tok: Tok::Ident(chars[end + 1..raw_end].iter().collect()),
                    line,
                });
                at = raw_end;
                continue;
            }
            tokens.push(Token {
                tok: Tok::Ident(word),
                line,
            });
            at = end;
        } else if c == ':' && next == Some(':') {
            tokens.push(Token {
                tok: Tok::PathSep,
                line,
            });
            at += 2;
        } else {
            if c == '\n' {
                line += 1;
            } else if !c.is_whitespace() {
                tokens.push(Token {
                    tok: Tok::Punct(c),
                    line,
                });
            }
            at += 1;
        }
    }
    tokens
}

/// Whether `c` may start an identifier.
fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

/// The index after the identifier characters starting at `at`.
fn ident_end(chars: &[char], at: usize) -> usize {
    chars[at.min(chars.len())..]
        .iter()
        .position(|&c| !(c.is_alphanumeric() || c == '_'))
        .map_or(chars.len(), |len| at + len)
}

/// The identifier starting at `at` (empty when there is none).
fn ident_at(chars: &[char], at: usize) -> String {
    chars[at.min(chars.len())..ident_end(chars, at)]
        .iter()
        .collect()
}

/// The index after the number starting at `at` (`1`, `0x1f_u8`, `1.5e3`;
/// `1..2` and `1.max(2)` stop before the dot).
fn number_end(chars: &[char], mut at: usize) -> usize {
    while let Some(&c) = chars.get(at) {
        let fraction = c == '.' && chars.get(at + 1).is_some_and(char::is_ascii_digit);
        if c.is_alphanumeric() || c == '_' || fraction {
            at += 1;
        } else {
            break;
        }
    }
    at
}

/// The index after the block comment opening at `at` (`/*`), nested ones
/// included.
fn block_comment_end(chars: &[char], at: usize) -> usize {
    let mut depth = 0;
    let mut at = at;
    while at < chars.len() {
        match (chars[at], chars.get(at + 1)) {
            ('/', Some('*')) => {
                depth += 1;
                at += 2;
            }
            ('*', Some('/')) => {
                depth -= 1;
                at += 2;
                if depth == 0 {
                    return at;
                }
            }
            _ => at += 1,
        }
    }
    chars.len()
}

/// The index after the closing `"` of a string whose contents start at
/// `at`, escapes included.
fn string_end(chars: &[char], mut at: usize) -> usize {
    while let Some(&c) = chars.get(at) {
        match c {
            '\\' => at += 2,
            '"' => return at + 1,
            _ => at += 1,
        }
    }
    chars.len()
}

/// The index after a raw string whose `#`s or opening `"` start at `at`
/// (right after its `r`, `br` or `cr` prefix); `None` when no raw string
/// starts there.
fn raw_string_end(chars: &[char], at: usize) -> Option<usize> {
    let hashes = chars[at..].iter().take_while(|&&c| c == '#').count();
    if chars.get(at + hashes) != Some(&'"') {
        return None;
    }
    let mut at = at + hashes + 1;
    while at < chars.len() {
        if chars[at] == '"'
            && chars[at + 1..]
                .iter()
                .take(hashes)
                .filter(|&&c| c == '#')
                .count()
                == hashes
        {
            return Some(at + 1 + hashes);
        }
        at += 1;
    }
    Some(chars.len())
}

/// The index after the char literal opening at `at` (`'x'`, `'\n'`,
/// `'\u{1F600}'`, `'\''`); `None` when the `'` starts a lifetime or a
/// label (`'a`, `'static`, `'outer:`).
fn char_literal_end(chars: &[char], at: usize) -> Option<usize> {
    if chars.get(at + 1) == Some(&'\\') {
        let close = chars.get(at + 3..)?.iter().position(|&c| c == '\'')?;
        return Some(at + 3 + close + 1);
    }
    (chars.get(at + 2) == Some(&'\'')).then_some(at + 3)
}

/// Macros whose body is code generated for another crate, not references
/// of this one.
const GENERATING_MACROS: [&str; 4] = [
    "quote",
    "quote_spanned",
    "parse_quote",
    "parse_quote_spanned",
];

/// Whether `tokens[at..]` opens the invocation of one of the
/// [`GENERATING_MACROS`]: `quote! {`, `quote_spanned!(`, ...
fn opens_generated_code(tokens: &[Token], at: usize) -> bool {
    let tok = |at: usize| tokens.get(at).map(|t| &t.tok);
    let generating =
        matches!(tok(at), Some(Tok::Ident(name)) if GENERATING_MACROS.contains(&name.as_str()));
    generating
        && tok(at + 1) == Some(&Tok::Punct('!'))
        && matches!(tok(at + 2), Some(Tok::Punct('{' | '(' | '[')))
}

/// `tokens` without the bodies of [`GENERATING_MACROS`] invocations.
fn without_generated_code(tokens: &[Token]) -> Vec<Token> {
    let mut kept = Vec::with_capacity(tokens.len());
    let mut at = 0;
    while at < tokens.len() {
        if !opens_generated_code(tokens, at) {
            kept.push(tokens[at].clone());
            at += 1;
            continue;
        }
        // Skip from the opening delimiter to its match.
        let mut depth = 0usize;
        at += 2;
        while let Some(token) = tokens.get(at) {
            at += 1;
            match token.tok {
                Tok::Punct('{' | '(' | '[') => depth += 1,
                Tok::Punct('}' | ')' | ']') => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                _ => {}
            }
        }
    }
    kept
}

/// A module path a file names, resolved to absolute segments after
/// `crate`, and the line where it is named.
#[derive(Debug)]
struct Reference {
    /// The absolute path, e.g. `["auth", "jwt", "Claims"]`.
    path: Vec<String>,
    /// The line (from 1) of its last segment.
    line: usize,
    /// The line of the `use` keyword, for a path in a `use` declaration.
    use_line: Option<usize>,
}

/// Every path that the file of module `module` (segments after `crate`)
/// names in `tokens`: the leaves of its `use` trees, and the module part of
/// each path of two or more segments in its code (all but its last
/// segment, which there names an item: `input::expand(..)` calls the
/// function `expand` of `input`, even with a module `input::expand`).
/// Inline `mod name { .. }` blocks extend the module for what they contain,
/// so their `super` is the file itself.
fn references(tokens: &[Token], module: &[String]) -> Vec<Reference> {
    let tokens = without_generated_code(tokens);
    let tok = |at: usize| tokens.get(at).map(|t| &t.tok);
    let mut found = Vec::new();
    // One entry per open `{`: the name of the inline module it opens, if any.
    let mut scopes: Vec<Option<String>> = Vec::new();
    let mut at = 0;
    while let Some(current) = tok(at) {
        let here: Vec<String> = module
            .iter()
            .cloned()
            .chain(scopes.iter().flatten().cloned())
            .collect();
        match current {
            Tok::Ident(word) if word == "mod" => {
                // `mod x;` declares a child: not a reference.
                if let (Some(Tok::Ident(name)), Some(Tok::Punct('{'))) = (tok(at + 1), tok(at + 2))
                {
                    scopes.push(Some(name.clone()));
                    at += 3;
                } else {
                    at += 1;
                }
            }
            // `use<'a>` is a precise capturing bound, not a declaration.
            Tok::Ident(word) if word == "use" && tok(at + 1) != Some(&Tok::Punct('<')) => {
                let end = (at..tokens.len())
                    .find(|&end| tokens[end].tok == Tok::Punct(';'))
                    .unwrap_or(tokens.len());
                let mut leaves = Vec::new();
                use_tree(&tokens[..end], at + 1, &[], &mut leaves);
                let use_line = Some(tokens[at].line);
                for (path, line) in leaves {
                    if let Some(path) = absolute(&here, &path) {
                        found.push(Reference {
                            path,
                            line,
                            use_line,
                        });
                    }
                }
                at = end + 1;
            }
            Tok::Punct('{') => {
                scopes.push(None);
                at += 1;
            }
            Tok::Punct('}') => {
                scopes.pop();
                at += 1;
            }
            Tok::Ident(first) if starts_path(&tokens, at) => {
                let mut path = vec![first.clone()];
                let mut end = at + 1;
                while let (Some(Tok::PathSep), Some(Tok::Ident(segment))) = (tok(end), tok(end + 1))
                {
                    path.push(segment.clone());
                    end += 2;
                }
                // The item named last; what is left is the module that holds it.
                path.pop();
                if let Some(path) = absolute(&here, &path) {
                    found.push(Reference {
                        path,
                        line: tokens[end - 1].line,
                        use_line: None,
                    });
                }
                at = end;
            }
            _ => at += 1,
        }
    }
    found
}

/// Whether the identifier at `at` starts a path of two or more segments:
/// `a::b` not preceded by `::`, by a `.` (method or field, but `..` is a
/// range), by `$` (a macro variable), or by `in` of `pub(in a::b)`.
fn starts_path(tokens: &[Token], at: usize) -> bool {
    let tok = |offset: usize| {
        at.checked_sub(offset)
            .and_then(|at| tokens.get(at))
            .map(|t| &t.tok)
    };
    let followed = matches!(
        (
            tokens.get(at + 1).map(|t| &t.tok),
            tokens.get(at + 2).map(|t| &t.tok)
        ),
        (Some(Tok::PathSep), Some(Tok::Ident(_)))
    );
    let continues = matches!(tok(1), Some(Tok::PathSep | Tok::Punct('$')));
    let member = tok(1) == Some(&Tok::Punct('.')) && tok(2) != Some(&Tok::Punct('.'));
    let visibility = matches!(tok(1), Some(Tok::Ident(word)) if word == "in")
        && tok(2) == Some(&Tok::Punct('('));
    followed && !continues && !member && !visibility
}

/// Reads the use tree at `tokens[at..]` (the tokens of one `use`
/// declaration, before its `;`) under `prefix`; pushes each leaf as
/// (path, line of its last segment). Returns the index after the tree.
/// `a::{self, B}` gives `a` and `a::B`; `a::*` gives `a`; a leading `::`
/// is kept as a segment, marking another crate.
fn use_tree(
    tokens: &[Token],
    mut at: usize,
    prefix: &[String],
    leaves: &mut Vec<(Vec<String>, usize)>,
) -> usize {
    let tok = |at: usize| tokens.get(at).map(|t| &t.tok);
    let mut path = prefix.to_vec();
    if tok(at) == Some(&Tok::PathSep) {
        if path.is_empty() {
            path.push("::".to_owned());
        }
        at += 1;
    }
    loop {
        match tok(at) {
            Some(Tok::Ident(name)) => {
                // `self` in a group names the module the group is under.
                if name != "self" || path.is_empty() {
                    path.push(name.clone());
                }
                let line = tokens[at].line;
                at += 1;
                if tok(at) == Some(&Tok::PathSep) {
                    at += 1;
                    continue;
                }
                if matches!(tok(at), Some(Tok::Ident(word)) if word == "as") {
                    at += 2;
                }
                leaves.push((path, line));
                return at;
            }
            Some(Tok::Punct('*')) => {
                leaves.push((path, tokens[at].line));
                return at + 1;
            }
            Some(Tok::Punct('{')) => {
                at += 1;
                loop {
                    match tok(at) {
                        None => return at,
                        Some(Tok::Punct('}')) => return at + 1,
                        Some(Tok::Punct(',')) => at += 1,
                        Some(_) => {
                            let next = use_tree(tokens, at, &path, leaves);
                            // Skip a token the grammar does not expect.
                            at = next.max(at + 1);
                        }
                    }
                }
            }
            _ => return at,
        }
    }
}

/// The absolute path (segments after `crate`) that `path` names when
/// written in module `here`: `crate::..` from the root, `self::..` from
/// `here`, each leading `super` one module up, anything else relative to
/// `here` (a child module, or an item or crate the graph does not know,
/// which then resolves to the file itself). `None` for `::other_crate`
/// or a `super` above the root.
fn absolute(here: &[String], path: &[String]) -> Option<Vec<String>> {
    let mut segments = path.iter().map(String::as_str).peekable();
    let mut base = here.to_vec();
    match segments.peek() {
        Some(&"::") => return None,
        Some(&"crate") => {
            base.clear();
            segments.next();
        }
        _ => {}
    }
    while let Some(&keyword) = segments.peek() {
        match keyword {
            "self" => {}
            "super" => {
                base.pop()?;
            }
            _ => break,
        }
        segments.next();
    }
    base.extend(segments.map(str::to_owned));
    Some(base)
}

/// The scanner itself, on small crates held in memory.
mod scanner {
    use super::{ModuleGraph, layer_violations};

    /// The cycles of `files` as `a.rs -> b.rs -> a.rs`, in report order.
    fn cycles(files: &[(&str, &str)]) -> Vec<String> {
        let graph = ModuleGraph::new(files);
        graph
            .cycle_groups()
            .iter()
            .flat_map(|group| &group.cycles)
            .map(|cycle| {
                cycle
                    .iter()
                    .map(|&file| graph.files[file].as_str())
                    .collect::<Vec<_>>()
                    .join(" -> ")
            })
            .collect()
    }

    /// The edges of `files` as (`from.rs`, `to.rs`, lines).
    fn edges(files: &[(&str, &str)]) -> Vec<(String, String, Vec<usize>)> {
        let graph = ModuleGraph::new(files);
        graph
            .edges
            .iter()
            .map(|(&(from, to), lines)| {
                (
                    graph.files[from].clone(),
                    graph.files[to].clone(),
                    lines.keys().copied().collect(),
                )
            })
            .collect()
    }

    /// The failure message for `files`.
    fn report(files: &[(&str, &str)]) -> String {
        let graph = ModuleGraph::new(files);
        graph.report(&graph.cycle_groups(), "src")
    }

    /// An edge as `edges` gives it.
    fn edge(from: &str, to: &str, lines: &[usize]) -> (String, String, Vec<usize>) {
        (from.to_owned(), to.to_owned(), lines.to_vec())
    }

    #[test]
    fn two_files_using_each_other_through_use_crate_are_a_cycle() {
        let files = [
            ("lib.rs", "mod a;\nmod b;\n"),
            ("a.rs", "use crate::b::B;\npub struct A;\n"),
            ("b.rs", "pub struct B;\n\npub(crate) use crate::a::A;\n"),
        ];
        assert_eq!(cycles(&files), ["a.rs -> b.rs -> a.rs"]);
        let report = report(&files);
        assert!(report.contains("a.rs:1: use crate::b::B;"), "{report}");
        assert!(
            report.contains("b.rs:3: pub(crate) use crate::a::A;"),
            "{report}"
        );
    }

    #[test]
    fn an_inline_path_in_code_is_a_reference() {
        let files = [
            ("lib.rs", "mod a;\nmod b;\n"),
            ("a.rs", "pub fn f() -> u8 {\n    crate::b::g() + 1\n}\n"),
            (
                "b.rs",
                "pub fn g() -> u8 {\n    let x: crate::a::Alias = 1;\n    x\n}\n",
            ),
        ];
        assert_eq!(
            edges(&files),
            [edge("a.rs", "b.rs", &[2]), edge("b.rs", "a.rs", &[2])]
        );
        assert_eq!(cycles(&files), ["a.rs -> b.rs -> a.rs"]);
    }

    #[test]
    fn super_is_the_parent_of_the_file_module() {
        let files = [
            ("lib.rs", "mod x;\npub struct Root;\n"),
            // In `x/mod.rs`, `super` is the crate root.
            (
                "x/mod.rs",
                "mod y;\nuse super::Root;\npub use self::y::Y;\npub struct X;\n",
            ),
            // In `x/y.rs`, `super` is `x`.
            (
                "x/y.rs",
                "pub struct Y(super::X);\nfn f(_: super::super::Root) {}\n",
            ),
        ];
        assert_eq!(
            edges(&files),
            [
                edge("x/mod.rs", "lib.rs", &[2]),
                edge("x/mod.rs", "x/y.rs", &[3]),
                edge("x/y.rs", "lib.rs", &[2]),
                edge("x/y.rs", "x/mod.rs", &[1]),
            ]
        );
        assert_eq!(cycles(&files), ["x/mod.rs -> x/y.rs -> x/mod.rs"]);
    }

    #[test]
    fn a_grouped_use_over_several_lines_is_read_leaf_by_leaf() {
        let files = [
            ("lib.rs", "mod a;\nmod b;\nmod c;\n"),
            (
                "a.rs",
                "use crate::{\n    b::{self, B},\n    c::C as Renamed,\n};\npub struct A;\n",
            ),
            ("b.rs", "pub struct B;\n"),
            ("c.rs", "pub struct C;\nuse crate::a::{self};\n"),
        ];
        assert_eq!(
            edges(&files),
            [
                edge("a.rs", "b.rs", &[2]),
                edge("a.rs", "c.rs", &[3]),
                edge("c.rs", "a.rs", &[2])
            ]
        );
        assert_eq!(cycles(&files), ["a.rs -> c.rs -> a.rs"]);
        let report = report(&files);
        assert!(
            report.contains("a.rs:3: c::C as Renamed,   (in: use crate::{)"),
            "{report}"
        );
    }

    #[test]
    fn paths_in_comments_strings_and_chars_are_not_references() {
        let source = r##"// use crate::b::B;
/// See [`crate::b::B`].
/* use crate::b::B; /* nested */ crate::b::B */
//! crate::b
const S: &str = "use crate::b::B; \" crate::b::B";
const R: &str = r#"crate::b::B " still raw "#;
const BS: &[u8] = br"crate::b::B";
const C: char = '"';
const Q: char = '\'';
const O: char = '{';
fn keep<'a>(s: &'a str) -> &'a str { s }
"##;
        let files = [
            ("lib.rs", "mod a;\nmod b;\n"),
            ("a.rs", source),
            ("b.rs", "use crate::a::keep;\n"),
        ];
        assert_eq!(edges(&files), [edge("b.rs", "a.rs", &[1])]);
        assert!(cycles(&files).is_empty());
    }

    #[test]
    fn a_lifetime_is_not_a_char_literal() {
        // Read as a char literal, `'a, b: &'` would hide the path.
        let files = [
            ("lib.rs", "mod a;\nmod b;\n"),
            ("a.rs", "fn f<'a, 'b>(x: &'a crate::b::B, y: &'b u8) {}\n"),
            ("b.rs", "pub struct B;\n"),
        ];
        assert_eq!(edges(&files), [edge("a.rs", "b.rs", &[1])]);
    }

    #[test]
    fn super_inside_an_inline_test_module_is_the_file_itself() {
        let files = [
            ("lib.rs", "mod a;\nmod b;\n"),
            (
                "a/mod.rs",
                "pub fn f() {}
#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn t() {
        super::f();
    }
}
",
            ),
            ("b.rs", "use crate::a::f;\n"),
        ];
        assert_eq!(edges(&files), [edge("b.rs", "a/mod.rs", &[1])]);
        assert!(cycles(&files).is_empty());
    }

    #[test]
    fn a_mod_declaration_is_not_a_reference_but_a_pub_use_of_a_child_is() {
        let files = [
            (
                "lib.rs",
                "pub mod a;\nmod b;\npub use b::B;\nfn f() { a::g() }\n",
            ),
            ("a.rs", "pub fn g() {}\n"),
            ("b.rs", "pub struct B;\n"),
        ];
        assert_eq!(
            edges(&files),
            [edge("lib.rs", "a.rs", &[4]), edge("lib.rs", "b.rs", &[3])]
        );
    }

    #[test]
    fn a_call_names_a_function_even_beside_a_module_of_that_name() {
        let files = [
            ("lib.rs", "mod input;\nfn derive() { input::expand() }\n"),
            (
                "input/mod.rs",
                "mod expand;\npub fn expand() { expand::expand() }\n",
            ),
            ("input/expand.rs", "pub fn expand() {}\n"),
        ];
        assert_eq!(
            edges(&files),
            [
                edge("input/mod.rs", "input/expand.rs", &[2]),
                edge("lib.rs", "input/mod.rs", &[2])
            ]
        );
    }

    #[test]
    fn a_root_reexport_resolves_to_lib_rs() {
        let files = [
            (
                "lib.rs",
                "mod guard;\nmod problem;\npub use problem::Problem;\npub use guard::Guard;\n",
            ),
            ("problem.rs", "pub struct Problem;\n"),
            (
                "guard.rs",
                "use crate::Problem;\npub struct Guard(Problem);\n",
            ),
        ];
        assert_eq!(
            edges(&files),
            [
                edge("guard.rs", "lib.rs", &[1]),
                edge("lib.rs", "guard.rs", &[4]),
                edge("lib.rs", "problem.rs", &[3]),
            ]
        );
        assert_eq!(cycles(&files), ["guard.rs -> lib.rs -> guard.rs"]);
    }

    #[test]
    fn a_path_resolves_to_its_longest_module_prefix() {
        let files = [
            ("lib.rs", "mod auth;\nmod user;\n"),
            ("auth/mod.rs", "mod jwt;\npub struct Other;\n"),
            ("auth/jwt.rs", "pub struct Claims;\n"),
            (
                "user.rs",
                "use crate::auth::jwt::Claims;\nuse crate::auth::Other;\n",
            ),
        ];
        assert_eq!(
            edges(&files),
            [
                edge("user.rs", "auth/jwt.rs", &[1]),
                edge("user.rs", "auth/mod.rs", &[2])
            ]
        );
    }

    #[test]
    fn generated_code_and_other_crates_are_not_references() {
        let files = [
            ("lib.rs", "mod expand;\nfn f() { expand::secure() }\n"),
            (
                "expand.rs",
                "use ::std::fmt;\npub fn secure() { let _ = quote! { crate::__role!(x) }; \
                 let _ = quote_spanned! {span=> crate::other::X }; }\n",
            ),
        ];
        assert_eq!(edges(&files), [edge("lib.rs", "expand.rs", &[2])]);
    }

    #[test]
    fn a_three_file_loop_is_reported_once() {
        let files = [
            ("lib.rs", "mod a;\nmod b;\nmod c;\n"),
            ("a.rs", "use crate::b::B;\npub struct A;\n"),
            ("b.rs", "use crate::c::C;\npub struct B;\n"),
            (
                "c.rs",
                "pub struct C;\nfn f() -> crate::a::A { crate::a::A }\n",
            ),
        ];
        assert_eq!(cycles(&files), ["a.rs -> b.rs -> c.rs -> a.rs"]);
        let report = report(&files);
        assert!(report.contains("1 group(s)"), "{report}");
        assert!(
            report.contains("c.rs:2: fn f() -> crate::a::A { crate::a::A }"),
            "{report}"
        );
    }

    #[test]
    fn an_import_from_a_higher_layer_is_reported() {
        let files = [
            ("lib.rs", "mod low;\nmod high;\n"),
            ("low.rs", "use crate::high::X;\n"),
            ("high.rs", "pub struct X;\n"),
        ];
        let graph = ModuleGraph::new(&files);
        let layers = [("lib.rs", 2), ("low.rs", 0), ("high.rs", 1)];
        assert_eq!(
            layer_violations(&graph, &layers),
            ["low.rs (layer 0) imports high.rs (layer 1): low.rs:1: use crate::high::X;"]
        );
        let unplaced = [("lib.rs", 2), ("high.rs", 1)];
        assert_eq!(
            layer_violations(&graph, &unplaced),
            ["low.rs: in no layer; add it to the table"]
        );
    }

    #[test]
    fn a_layered_crate_has_no_cycle() {
        let files = [
            (
                "lib.rs",
                "mod base;\nmod mid;\nmod top;\npub use top::Top;\n",
            ),
            (
                "base.rs",
                "pub struct Base;\n#[cfg(test)]\nmod tests {\n    use super::Base;\n}\n",
            ),
            (
                "mid/mod.rs",
                "mod part;\npub use part::Part;\nuse crate::base::Base;\n",
            ),
            ("mid/part.rs", "pub struct Part(crate::base::Base);\n"),
            (
                "top.rs",
                "use crate::mid::{Part, part};\nuse crate::base::Base;\npub struct Top;\n",
            ),
        ];
        assert_eq!(edges(&files).len(), 7);
        assert!(cycles(&files).is_empty());
    }
}
