//! People, households and their ties to dwellings.

crate::labelled_enum! {
    /// Tags that drive care and services.
    PersonTag {
        Elderly = "elderly" / "老年人" / "Elderly",
        Disabled = "disabled" / "残疾人" / "Disabled",
        Veteran = "veteran" / "退役军人" / "Veteran",
        LowIncome = "low_income" / "低保" / "Low income",
        NewEmployment = "new_employment" / "新就业群体" / "New-employment group",
        LivingAlone = "living_alone" / "独居" / "Living alone",
        Child = "child" / "未成年人" / "Minor",
        Volunteer = "volunteer" / "志愿者" / "Volunteer",
    }
}

crate::labelled_enum! {
    /// A household member's relation to the head of household.
    Relation {
        Head = "head" / "户主" / "Head",
        Spouse = "spouse" / "配偶" / "Spouse",
        Child = "child" / "子女" / "Child",
        Parent = "parent" / "父母" / "Parent",
        Grandchild = "grandchild" / "孙子女" / "Grandchild",
        Sibling = "sibling" / "兄弟姐妹" / "Sibling",
        Other = "other" / "其他" / "Other",
    }
}

crate::labelled_enum! {
    DwellingUse {
        Residential = "residential" / "住宅" / "Residential",
        Commercial = "commercial" / "商业" / "Commercial",
        Parking = "parking" / "车位" / "Parking",
    }
}

crate::labelled_enum! {
    /// How a household holds its dwelling.
    Tenure {
        Owner = "owner" / "自有" / "Owner-occupied",
        Tenant = "tenant" / "租住" / "Tenant",
        Other = "other" / "其他" / "Other",
    }
}

/// Parses a list of tags separated by commas, Chinese commas, semicolons or spaces.
pub fn parse_tags(s: &str, field: &str) -> Result<Vec<PersonTag>, crate::FieldError> {
    let mut tags = Vec::new();
    for part in s.split([',', '，', ';', '；', '、', ' ']).filter(|p| !p.trim().is_empty()) {
        let t = PersonTag::parse_field(part, field)?;
        if !tags.contains(&t) {
            tags.push(t);
        }
    }
    tags.sort();
    Ok(tags)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_from_ledger_text() {
        assert_eq!(parse_tags("老年人、低保", "tags").unwrap(), vec![PersonTag::Elderly, PersonTag::LowIncome]);
        assert_eq!(
            parse_tags("veteran, elderly, 老年人", "tags").unwrap(),
            vec![PersonTag::Elderly, PersonTag::Veteran]
        );
        assert!(parse_tags("", "tags").unwrap().is_empty());
        assert_eq!(parse_tags("外星人", "标签").unwrap_err().field, "标签");
    }
}
