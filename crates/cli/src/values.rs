//! Value parsers for arguments that name a domain code (roles, levels, ledgers): `--help`
//! lists the codes and clap refuses any other before a command runs.

use clap::builder::{PossibleValuesParser, TypedValueParser};

/// Accepts exactly the codes of `all` and yields the value with that code.
pub fn one_of<T>(all: &'static [T], code: fn(T) -> &'static str) -> impl TypedValueParser<Value = T>
where
    T: Copy + Send + Sync + 'static,
{
    PossibleValuesParser::new(all.iter().map(|v| code(*v)))
        .try_map(move |s: String| all.iter().copied().find(|v| code(*v) == s).ok_or("not one of the listed values"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;
    use jiayuan_domain::access::Role;

    #[derive(Parser)]
    struct Probe {
        #[arg(long, value_parser = one_of(Role::ALL, Role::as_str))]
        role: Role,
    }

    #[test]
    fn a_code_parses_and_anything_else_is_refused_by_name() {
        let p = Probe::try_parse_from(["x", "--role", "community_secretary"]).unwrap();
        assert_eq!(p.role, Role::CommunitySecretary);
        let e = Probe::try_parse_from(["x", "--role", "社区书记"]).err().unwrap().to_string();
        assert!(e.contains("--role") && e.contains("district_admin"), "{e}");
    }
}
