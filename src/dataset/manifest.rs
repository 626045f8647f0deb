//! `DIR/lifsweep.toml`: what a dataset is. Written when the directory is made (and again, in
//! one atomic step, when `lifsweep slurm` records a shard count): the spec text, the tool
//! version, the seed-derivation version, the random-number recipe, the schema fingerprint and
//! the chunk boundaries. Every run, `status` and `merge` read it and check it against
//! themselves.

use std::path::Path;

use toml::de::{DeTable, DeValue};
use toml_writer::ToTomlValue;

use super::DatasetError;
use super::chunks::Chunks;

/// The layout version of a dataset directory.
pub const FORMAT: u64 = 1;

/// The identity of the code that computes the rows: a dataset is continued, checked and merged
/// only by code with the same identity, so that every part holds the rows a single run would.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    pub version: String,
    pub seed_derivation: String,
    pub rng: String,
    pub schema: String,
}

impl Identity {
    /// This build's identity.
    pub fn current() -> Identity {
        Identity {
            version: crate::VERSION.to_string(),
            seed_derivation: crate::rng::SEED_DERIVATION.to_string(),
            rng: crate::rng::RNG_DESCRIPTION.to_string(),
            schema: schema_fingerprint(&crate::output::schema()),
        }
    }

    /// What differs between `self` (the dataset's) and `other` (this build's), for messages.
    pub fn differences(&self, other: &Identity) -> Vec<String> {
        let mut out = Vec::new();
        if self.version != other.version {
            out.push(format!(
                "it was made by lifsweep {}, this is lifsweep {}",
                self.version, other.version
            ));
        }
        if self.seed_derivation != other.seed_derivation {
            out.push(format!(
                "its seed derivation is version {}, this lifsweep's is {}",
                self.seed_derivation, other.seed_derivation
            ));
        }
        if self.rng != other.rng {
            out.push(format!(
                "its random numbers are \"{}\", this lifsweep's are \"{}\"",
                self.rng, other.rng
            ));
        }
        if self.schema != other.schema {
            out.push(format!(
                "its columns are [{}], this lifsweep writes [{}]",
                self.schema, other.schema
            ));
        }
        out
    }
}

/// The schema as text: `name: type` per column, `?` after a nullable type.
pub fn schema_fingerprint(schema: &arrow_schema::Schema) -> String {
    schema
        .fields()
        .iter()
        .map(|f| {
            format!(
                "{}: {}{}",
                f.name(),
                f.data_type(),
                if f.is_nullable() { "?" } else { "" }
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[derive(Clone, Debug, PartialEq)]
pub struct Manifest {
    pub identity: Identity,
    pub spec: String,
    /// `--chunk-jobs` at creation; 0 for chunks cut by estimated cost.
    pub chunk_jobs: u64,
    pub chunks: Chunks,
    /// The shard count `lifsweep slurm` set, if any.
    pub shards: Option<u64>,
}

impl Manifest {
    pub fn to_toml(&self) -> String {
        let id = &self.identity;
        let starts = self
            .chunks
            .starts()
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        let mut out = format!(
            "# A lifsweep dataset directory: its rows are in parts/, one Parquet file per chunk\n\
             # of jobs. Written by lifsweep; `lifsweep status DIR` reads it. Do not edit.\n\
             format = {FORMAT}\n\
             lifsweep_version = {}\n\
             seed_derivation = {}\n\
             rng = {}\n\
             schema = {}\n\
             jobs = {}\n\
             chunk_jobs = {}\n\
             chunk_starts = [{starts}]\n",
            id.version.as_str().to_toml_value(),
            id.seed_derivation.as_str().to_toml_value(),
            id.rng.as_str().to_toml_value(),
            id.schema.as_str().to_toml_value(),
            self.chunks.jobs(),
            self.chunk_jobs,
        );
        if let Some(n) = self.shards {
            out.push_str(&format!("shards = {n}\n"));
        }
        out.push_str(&format!("spec = {}\n", self.spec.as_str().to_toml_value()));
        out
    }

    /// Reads `DIR/lifsweep.toml`.
    pub fn read(path: &Path) -> Result<Manifest, DatasetError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            DatasetError(format!(
                "{} cannot be read ({e}): is {} a lifsweep dataset directory?",
                path.display(),
                path.parent().unwrap_or(path).display()
            ))
        })?;
        Manifest::parse(&text).map_err(|e| {
            DatasetError(format!(
                "{} is not a lifsweep dataset manifest: {e}",
                path.display()
            ))
        })
    }

    pub fn parse(text: &str) -> Result<Manifest, String> {
        let doc = DeTable::parse(text).map_err(|e| e.to_string())?;
        let table = doc.get_ref();
        let get = |key: &str| -> Result<&DeValue<'_>, String> {
            table
                .get(key)
                .map(|v| v.get_ref())
                .ok_or_else(|| format!("{key} is missing"))
        };
        let string = |key: &str| -> Result<String, String> {
            match get(key)? {
                DeValue::String(s) => Ok(s.to_string()),
                _ => Err(format!("{key} must be a string")),
            }
        };
        let int = |v: &DeValue<'_>, key: &str| -> Result<u64, String> {
            match v {
                DeValue::Integer(i) => u64::from_str_radix(i.as_str(), i.radix())
                    .map_err(|_| format!("{key} must be a whole number >= 0")),
                _ => Err(format!("{key} must be a whole number")),
            }
        };
        let format = int(get("format")?, "format")?;
        if format != FORMAT {
            return Err(format!(
                "its format is {format}, this lifsweep reads format {FORMAT}"
            ));
        }
        let jobs = int(get("jobs")?, "jobs")?;
        let DeValue::Array(items) = get("chunk_starts")? else {
            return Err("chunk_starts must be a list".into());
        };
        let starts = items
            .iter()
            .map(|v| int(v.get_ref(), "chunk_starts"))
            .collect::<Result<Vec<_>, _>>()?;
        let chunks = Chunks::from_starts(starts, jobs)
            .ok_or("chunk_starts must start at 0 and increase below jobs")?;
        let shards = match table.get("shards") {
            Some(v) => Some(int(v.get_ref(), "shards")?).filter(|&n| n >= 1),
            None => None,
        };
        Ok(Manifest {
            identity: Identity {
                version: string("lifsweep_version")?,
                seed_derivation: string("seed_derivation")?,
                rng: string("rng")?,
                schema: string("schema")?,
            },
            spec: string("spec")?,
            chunk_jobs: int(get("chunk_jobs")?, "chunk_jobs")?,
            chunks,
            shards,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manifest_reads_back_as_written_whatever_the_spec_text() {
        let m = Manifest {
            identity: Identity::current(),
            spec: "# \"quotes\", 'apostrophes', '''triples''', \\backslash\\, tab\t, é\n\
                   [[sweep]]\nmodel = \"constant\"\nmu_na = 1.0\n\u{7f}"
                .to_string(),
            chunk_jobs: 0,
            chunks: Chunks::uniform(10, 3),
            shards: Some(4),
        };
        assert_eq!(Manifest::parse(&m.to_toml()), Ok(m.clone()));
        let m = Manifest { shards: None, ..m };
        assert_eq!(Manifest::parse(&m.to_toml()), Ok(m));
    }

    #[test]
    fn identities_say_what_differs() {
        let a = Identity::current();
        let b = Identity {
            version: "9.9.9".into(),
            ..a.clone()
        };
        assert!(a.differences(&a).is_empty());
        let d = b.differences(&a);
        assert_eq!(d.len(), 1);
        assert!(d[0].contains("9.9.9"), "{d:?}");
    }
}
