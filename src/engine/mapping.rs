//! Mapping columns to contact fields: header synonyms for the exports people have,
//! overrides, custom fields, requirement presets, and the header signature a mapping is
//! remembered by.

use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::email::{normalize_email, split_emails};
use super::phone::{normalize_phone, parse_region, split_phones};
use super::records::Cells;
use super::source::RawRow;
use super::text::{clean_cell, fold_key};

pub use super::error::MappingError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    FirstName,
    LastName,
    /// A single "Name" column, split on its last space.
    Name,
    Phone,
    Email,
    Company,
    Title,
    Address,
    City,
    State,
    Zip,
    Country,
    Website,
    Industry,
    Note,
    Tags,
    Id,
    /// The team member who owns the contact (seed 004's Contact Owner).
    Owner,
    /// Team members following the contact, several per cell (seed 004's Contact Followers).
    Followers,
    /// The agent calls go to first (seed 001's favorite agent).
    FavoriteAgent,
    // The opportunity of the row (seed 004's "contacts and opportunities"), kept together:
    // see `engine::opportunity`.
    OpportunityName,
    OpportunityPipeline,
    OpportunityStage,
    OpportunityValue,
    OpportunityStatus,
    OpportunityCloseDate,
    OpportunityOwner,
    OpportunityId,
}

impl Field {
    pub const ALL: [Field; 28] = [
        Field::FirstName,
        Field::LastName,
        Field::Name,
        Field::Phone,
        Field::Email,
        Field::Company,
        Field::Title,
        Field::Address,
        Field::City,
        Field::State,
        Field::Zip,
        Field::Country,
        Field::Website,
        Field::Industry,
        Field::Note,
        Field::Tags,
        Field::Id,
        Field::Owner,
        Field::Followers,
        Field::FavoriteAgent,
        Field::OpportunityName,
        Field::OpportunityPipeline,
        Field::OpportunityStage,
        Field::OpportunityValue,
        Field::OpportunityStatus,
        Field::OpportunityCloseDate,
        Field::OpportunityOwner,
        Field::OpportunityId,
    ];

    /// A field of the row's opportunity rather than of its contact.
    pub fn is_opportunity(self) -> bool {
        matches!(
            self,
            Field::OpportunityName
                | Field::OpportunityPipeline
                | Field::OpportunityStage
                | Field::OpportunityValue
                | Field::OpportunityStatus
                | Field::OpportunityCloseDate
                | Field::OpportunityOwner
                | Field::OpportunityId
        )
    }

    pub fn name(self) -> &'static str {
        match self {
            Field::FirstName => "first_name",
            Field::LastName => "last_name",
            Field::Name => "name",
            Field::Phone => "phone",
            Field::Email => "email",
            Field::Company => "company",
            Field::Title => "title",
            Field::Address => "address",
            Field::City => "city",
            Field::State => "state",
            Field::Zip => "zip",
            Field::Country => "country",
            Field::Website => "website",
            Field::Industry => "industry",
            Field::Note => "note",
            Field::Tags => "tags",
            Field::Id => "id",
            Field::Owner => "owner",
            Field::Followers => "followers",
            Field::FavoriteAgent => "favorite_agent",
            Field::OpportunityName => "opportunity.name",
            Field::OpportunityPipeline => "opportunity.pipeline",
            Field::OpportunityStage => "opportunity.stage",
            Field::OpportunityValue => "opportunity.value",
            Field::OpportunityStatus => "opportunity.status",
            Field::OpportunityCloseDate => "opportunity.close_date",
            Field::OpportunityOwner => "opportunity.owner",
            Field::OpportunityId => "opportunity.id",
        }
    }

    /// Phones, emails and tags may take several columns; the rest at most one.
    pub fn repeatable(self) -> bool {
        matches!(
            self,
            Field::Phone | Field::Email | Field::Tags | Field::Followers
        )
    }

    /// The fields whose values name team members (`engine::team`).
    pub fn names_members(self) -> bool {
        matches!(self, Field::Owner | Field::Followers | Field::FavoriteAgent)
    }

    /// The longest value the field keeps (SPEC §1); `None` for no limit.
    pub fn max_len(self) -> Option<usize> {
        match self {
            Field::Company | Field::Website | Field::Industry => Some(100),
            Field::Title | Field::Address | Field::City => Some(255),
            Field::Zip => Some(15),
            _ => None,
        }
    }

    /// Every header spelling of the field, English and European first, then the other
    /// languages exports come in.
    fn spellings(self) -> impl Iterator<Item = &'static str> {
        self.synonyms()
            .iter()
            .chain(self.synonyms_elsewhere())
            .copied()
    }

    /// Headers of exports made in Russian, Polish, Czech, Greek, Turkish, Dutch, Italian,
    /// Portuguese, Japanese, Chinese and Korean (the languages of the legacy encodings
    /// rolodex detects), folded as `fold_key` folds them: lowercase, letters and digits
    /// only, Polish and Greek accents kept (only French, German and Spanish ones fold).
    fn synonyms_elsewhere(self) -> &'static [&'static str] {
        match self {
            Field::FirstName => &[
                "имя",
                "imię",
                "imie",
                "jmeno",
                "όνομα",
                "ονομα",
                "voornaam",
                "名",
                "ime",
            ],
            Field::LastName => &[
                "фамилия",
                "nazwisko",
                "přijmeni",
                "prijmeni",
                "επώνυμο",
                "επωνυμο",
                "achternaam",
                "sobrenome",
                "soyad",
                "soyadı",
                "姓",
            ],
            Field::Name => &[
                "фио",
                "imięinazwisko",
                "ονοματεπώνυμο",
                "naam",
                "volledigenaam",
                "nomecompleto",
                "adsoyad",
                "姓名",
                "氏名",
                "名前",
                "이름",
            ],
            Field::Phone => &[
                "телефон",
                "мобильный",
                "мобильныйтелефон",
                "номертелефона",
                "komorka",
                "telefonkomorkowy",
                "numertelefonu",
                "τηλέφωνο",
                "τηλεφωνο",
                "κινητό",
                "κινητο",
                "telefoon",
                "telefoonnummer",
                "mobiel",
                "telefone",
                "ceptelefonu",
                "電話番号",
                "電話",
                "携帯電話",
                "携帯",
                "电话",
                "电话号码",
                "手机",
                "手机号码",
                "電話號碼",
                "手機",
                "전화번호",
                "휴대폰",
                "전화",
            ],
            Field::Email => &[
                "электроннаяпочта",
                "почта",
                "эпочта",
                "адресэлектроннойпочты",
                "adresemail",
                "ηλεκτρονικόταχυδρομείο",
                "emailadres",
                "eposta",
                "メールアドレス",
                "メール",
                "电子邮件",
                "电子邮箱",
                "邮箱",
                "電子郵件",
                "이메일",
            ],
            Field::Company => &[
                "компания",
                "организация",
                "организации",
                "εταιρεία",
                "εταιρεια",
                "bedrijf",
                "azienda",
                "şirket",
                "sirket",
                "会社名",
                "会社",
                "公司",
                "单位",
                "회사",
            ],
            Field::Title => &[
                "должность",
                "stanowisko",
                "θέση",
                "functie",
                "役職",
                "职位",
                "職稱",
                "직책",
                "unvan",
            ],
            Field::Address => &[
                "адрес",
                "adres",
                "ulica",
                "διεύθυνση",
                "διευθυνση",
                "indirizzo",
                "endereco",
                "住所",
                "地址",
                "주소",
            ],
            Field::City => &[
                "город",
                "miejscowość",
                "miasto",
                "město",
                "πόλη",
                "πολη",
                "plaats",
                "stad",
                "citta",
                "cidade",
                "şehir",
                "sehir",
                "市区町村",
                "城市",
                "도시",
            ],
            Field::State => &[
                "область",
                "регион",
                "wojewodztwo",
                "νομός",
                "provincie",
                "都道府県",
                "省",
                "省份",
            ],
            Field::Zip => &[
                "индекс",
                "почтовыйиндекс",
                "kodpocztowy",
                "psč",
                "ταχυδρομικόςκώδικας",
                "cap",
                "郵便番号",
                "邮编",
                "邮政编码",
                "우편번호",
            ],
            Field::Country => &[
                "страна",
                "kraj",
                "państwo",
                "χώρα",
                "χωρα",
                "ulke",
                "paese",
                "国",
                "国家",
                "국가",
            ],
            Field::Note => &[
                "примечание",
                "комментарий",
                "uwagi",
                "σημειώσεις",
                "opmerkingen",
                "メモ",
                "備考",
                "备注",
                "메모",
            ],
            _ => &[],
        }
    }

    /// Header spellings, folded (lowercase, letters and digits only).
    fn synonyms(self) -> &'static [&'static str] {
        match self {
            Field::FirstName => &[
                "firstname",
                "first",
                "givenname",
                "fname",
                "forename",
                "contactfirstname",
                "vorname",
                "prenom",
                "nombre",
                "nome",
                "primernombre",
            ],
            Field::LastName => &[
                "lastname",
                "last",
                "surname",
                "familyname",
                "lname",
                "contactlastname",
                "nachname",
                "familienname",
                "nom",
                "nomdefamille",
                "apellido",
                "apellidos",
                "cognome",
            ],
            Field::Name => &[
                "name",
                "fullname",
                "contactname",
                "displayname",
                "contact",
                "fullnames",
                "nomcomplet",
                "nombrecompleto",
                "vollstandigername",
                "vollername",
            ],
            Field::Phone => &[
                "phone",
                "phonenumber",
                "phones",
                "mobile",
                "mobilephone",
                "mobilenumber",
                "cell",
                "cellphone",
                "cellular",
                "telephone",
                "tel",
                "telephonenumber",
                "primaryphone",
                "businessphone",
                "homephone",
                "workphone",
                "otherphone",
                "companymainphone",
                "phone1value",
                "phone2value",
                "phone3value",
                "number",
                "phonemobile",
                "mobilephonenumber",
                "directphone",
                "dialnumber",
                "telefon",
                "telefonnummer",
                "handy",
                "mobil",
                "mobiltelefon",
                "mobilnummer",
                "portable",
                "numerodetelephone",
                "telephoneportable",
                "telefono",
                "movil",
                "celular",
                "numerodetelefono",
            ],
            Field::Email => &[
                "email",
                "emailaddress",
                "emails",
                "mail",
                "email1value",
                "email2value",
                "emailaddress1",
                "email2address",
                "email3address",
                "primaryemail",
                "workemail",
                "homeemail",
                "businessemail",
                "emailaddresses",
                "eaddress",
                "courriel",
                "adresseemail",
                "adressemail",
                "adressecourriel",
                "correo",
                "correoelectronico",
                "emailadresse",
            ],
            Field::Company => &[
                "company",
                "companyname",
                "organization",
                "organisation",
                "organizationname",
                "organization1name",
                "account",
                "accountname",
                "business",
                "employer",
                "firma",
                "unternehmen",
                "firmenname",
                "entreprise",
                "societe",
                "empresa",
                "compania",
            ],
            Field::Title => &[
                "title",
                "jobtitle",
                "position",
                "role",
                "organization1title",
                "organizationtitle",
                "designation",
                "titel",
                "berufsbezeichnung",
                "position",
                "poste",
                "fonction",
                "cargo",
                "puesto",
            ],
            Field::Address => &[
                "address",
                "street",
                "streetaddress",
                "address1",
                "addressline1",
                "mailingstreet",
                "businessstreet",
                "homestreet",
                "address1street",
                "address1formatted",
                "strasse",
                "strase",
                "anschrift",
                "adresse",
                "direccion",
                "calle",
            ],
            Field::City => &[
                "city",
                "town",
                "mailingcity",
                "businesscity",
                "homecity",
                "address1city",
                "stadt",
                "ort",
                "ville",
                "ciudad",
                "localidad",
            ],
            Field::State => &[
                "state",
                "province",
                "region",
                "stateprovince",
                "stateorprovince",
                "stateregion",
                "mailingstate",
                "mailingstateprovince",
                "businessstate",
                "homestate",
                "address1region",
                "county",
                "bundesland",
                "etat",
                "provincia",
                "estado",
            ],
            Field::Zip => &[
                "zip",
                "zipcode",
                "postalcode",
                "postcode",
                "mailingpostalcode",
                "mailingzippostalcode",
                "businesspostalcode",
                "homepostalcode",
                "address1postalcode",
                "zippostalcode",
                "plz",
                "postleitzahl",
                "codepostal",
                "cp",
                "codigopostal",
            ],
            Field::Country => &[
                "country",
                "countrycode",
                "countryregion",
                "mailingcountry",
                "businesscountryregion",
                "homecountryregion",
                "address1country",
                "nation",
                "land",
                "pays",
                "pais",
            ],
            Field::Website => &[
                "website",
                "web",
                "url",
                "site",
                "webpage",
                "homepage",
                "website1value",
                "webaddress",
                "websiteurl",
                "webseite",
                "internetseite",
                "siteweb",
                "siteinternet",
                "sitioweb",
                "paginaweb",
            ],
            Field::Industry => &[
                "industry",
                "sector",
                "vertical",
                "branche",
                "secteur",
                "industria",
            ],
            Field::Note => &[
                "note",
                "notes",
                "comment",
                "comments",
                "description",
                "remarks",
                "memo",
                "notiz",
                "notizen",
                "bemerkung",
                "bemerkungen",
                "remarque",
                "remarques",
                "nota",
                "notas",
                "comentarios",
            ],
            Field::Tags => &[
                "tags",
                "tag",
                "labels",
                "label",
                "groups",
                "groupmembership",
                "categories",
                "category",
                "etiquettes",
                "schlagworte",
                "etiquetas",
            ],
            // Not HubSpot's `Record ID` nor Salesforce's `Contact ID`: another system's id is
            // no contact id here, and `--identifier id` would update whichever contact has
            // that number. They are kept as custom fields instead (`other_system_id`).
            Field::Id => &["id", "rolodexid"],
            // HubSpot exports `Contact owner`, Salesforce `Contact Owner` / `Owner Name`
            // and `Record Owner`; seed 004 names the column `Contact Owner`.
            Field::Owner => &[
                "owner",
                "contactowner",
                "recordowner",
                "leadowner",
                "hubspotowner",
                "ownername",
                "owneremail",
                "ownerfullname",
                "assignedto",
                "assignee",
                "salesowner",
                "proprietaire",
                "besitzer",
                "propietario",
            ],
            Field::Followers => &[
                "followers",
                "follower",
                "contactfollowers",
                "recordfollowers",
                "watchers",
            ],
            // Seed 001's favorite agent, in either spelling.
            Field::FavoriteAgent => &[
                "favoriteagent",
                "favouriteagent",
                "favoriteagentemail",
                "favouriteagentemail",
                "preferredagent",
                "agent",
                "agentemail",
            ],
            // What CRMs export (HubSpot's deals, Salesforce's opportunities, Pipedrive,
            // seed 004). `Status`, `Owner`, `Name` and `Value` alone are left to the
            // contact's fields: a contact file has them too.
            Field::OpportunityName => &[
                "opportunityname",
                "opportunity",
                "opportunitytitle",
                "dealname",
                "dealtitle",
            ],
            Field::OpportunityPipeline => &[
                "pipeline",
                "pipelinename",
                "opportunitypipeline",
                "dealpipeline",
            ],
            Field::OpportunityStage => &[
                "pipelinestage",
                "stage",
                "stagename",
                "dealstage",
                "opportunitystage",
                "salesstage",
            ],
            Field::OpportunityValue => &[
                "opportunityvalue",
                "opportunityamount",
                "amount",
                "dealamount",
                "dealvalue",
                "leadvalue",
            ],
            Field::OpportunityStatus => &["opportunitystatus", "dealstatus"],
            Field::OpportunityCloseDate => &[
                "closedate",
                "expectedclosedate",
                "closingdate",
                "opportunityclosedate",
                "dealclosedate",
            ],
            Field::OpportunityOwner => &["opportunityowner", "dealowner"],
            Field::OpportunityId => &["opportunityid", "dealid"],
        }
    }

    pub fn from_name(name: &str) -> Option<Field> {
        let key = fold_key(name);
        Field::ALL
            .into_iter()
            .find(|f| fold_key(f.name()) == key)
            .or(match key.as_str() {
                "fullname" => Some(Field::Name),
                "phones" => Some(Field::Phone),
                "emails" => Some(Field::Email),
                "tag" => Some(Field::Tags),
                _ => None,
            })
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The type of a custom field, decided when it is created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case", tag = "type", content = "options")]
pub enum CustomKind {
    #[default]
    Text,
    Number,
    Money,
    Date,
    /// One of the listed options.
    Option(Vec<String>),
    /// Any of the listed options, several per cell.
    Multi(Vec<String>),
    Checkbox,
}

impl CustomKind {
    /// `text`, `number`, `money`, `date`, `checkbox`, `option=a|b|c`, `multi=a|b|c`.
    pub fn parse(spec: &str) -> Result<CustomKind, MappingError> {
        let (name, options) = match spec.split_once('=') {
            Some((n, o)) => (n, Some(o)),
            None => (spec, None),
        };
        let list = || -> Result<Vec<String>, MappingError> {
            let opts: Vec<String> = options
                .unwrap_or_default()
                .split('|')
                .map(str::trim)
                .filter(|o| !o.is_empty())
                .map(str::to_string)
                .collect();
            if opts.is_empty() {
                Err(MappingError::OptionsMissing {
                    kind: name.to_string(),
                })
            } else {
                Ok(opts)
            }
        };
        match fold_key(name).as_str() {
            "text" | "" => Ok(CustomKind::Text),
            "number" => Ok(CustomKind::Number),
            "money" => Ok(CustomKind::Money),
            "date" => Ok(CustomKind::Date),
            "checkbox" => Ok(CustomKind::Checkbox),
            "option" | "single" => Ok(CustomKind::Option(list()?)),
            "multi" | "multioption" => Ok(CustomKind::Multi(list()?)),
            other => Err(MappingError::UnknownKind(other.to_string())),
        }
    }

    pub fn label(&self) -> String {
        match self {
            CustomKind::Text => "text".into(),
            CustomKind::Number => "number".into(),
            CustomKind::Money => "money".into(),
            CustomKind::Date => "date".into(),
            CustomKind::Checkbox => "checkbox".into(),
            CustomKind::Option(o) => format!("option={}", o.join("|")),
            CustomKind::Multi(o) => format!("multi={}", o.join("|")),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomField {
    pub name: String,
    pub kind: CustomKind,
}

impl CustomField {
    /// A field the store already defines keeps its type: mapped without a type (text, the
    /// default) it takes the stored one; another type is refused, since the field's values
    /// would no longer agree.
    pub fn adopt(&mut self, stored: &CustomKind) -> Result<(), MappingError> {
        if self.kind == CustomKind::Text {
            self.kind = stored.clone();
            Ok(())
        } else if &self.kind == stored {
            Ok(())
        } else {
            Err(MappingError::StoredType {
                field: self.name.clone(),
                stored: stored.label(),
                asked: self.kind.label(),
            })
        }
    }
}

/// Where one column goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    Field(Field),
    Custom(CustomField),
    Ignore,
}

impl Target {
    /// `first_name`, `custom:NAME[:TYPE]` or `ignore`, as `--map` takes them.
    pub fn parse(spec: &str) -> Result<Target, MappingError> {
        let spec = spec.trim();
        if spec.eq_ignore_ascii_case("ignore") || spec.is_empty() {
            return Ok(Target::Ignore);
        }
        if let Some(rest) = spec.strip_prefix("custom:") {
            let (name, kind) = match rest.split_once(':') {
                Some((n, k)) => (n.trim(), CustomKind::parse(k)?),
                None => (rest.trim(), CustomKind::Text),
            };
            if name.is_empty() {
                return Err(MappingError::CustomWithoutName);
            }
            return Ok(Target::Custom(CustomField {
                name: name.to_string(),
                kind,
            }));
        }
        Field::from_name(spec)
            .map(Target::Field)
            .ok_or_else(|| MappingError::UnknownField {
                given: spec.to_string(),
                known: Field::ALL.iter().map(|f| f.name()).collect(),
            })
    }

    pub fn label(&self) -> String {
        match self {
            Target::Field(f) => f.name().to_string(),
            Target::Custom(c) => format!("custom:{}:{}", c.name, c.kind.label()),
            Target::Ignore => "ignore".to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnMap {
    pub index: usize,
    pub header: String,
    pub target: Target,
    /// How the target was chosen, for the wizard and the review.
    pub source: MapSource,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MapSource {
    Synonym,
    Remembered,
    User,
    Unmatched,
}

/// Every column of the file and where it goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Mapping {
    pub columns: Vec<ColumnMap>,
}

impl Mapping {
    /// Maps each header by its synonyms; a built-in field other than phone, email and tags
    /// goes to its first matching column only.
    pub fn auto(header: &[String]) -> Mapping {
        let mut columns: Vec<ColumnMap> = Vec::with_capacity(header.len());
        for (index, name) in header.iter().enumerate() {
            let found = match_header(name).filter(|f| {
                f.repeatable() || !columns.iter().any(|c| c.target == Target::Field(*f))
            });
            let target = found.map(Target::Field).or_else(|| {
                other_system_id(name).filter(|t| !columns.iter().any(|c| c.target == *t))
            });
            columns.push(ColumnMap {
                index,
                header: name.clone(),
                source: if target.is_some() {
                    MapSource::Synonym
                } else {
                    MapSource::Unmatched
                },
                target: target.unwrap_or(Target::Ignore),
            });
        }
        Mapping { columns }
    }

    /// Applies one `--map 'Header=field'` override (or the wizard's choice for a column);
    /// the header is matched as written first, then folded, then as a 1-based column
    /// number. A built-in field that takes one column leaves the column it had.
    pub fn apply_override(&mut self, spec: &str) -> Result<(), MappingError> {
        let (index, target) = self.resolve_override(spec)?;
        self.set_target(index, target);
        Ok(())
    }

    /// Applies the `--map` flags of one command line together. Two flags that give one
    /// column two targets, or that map two columns to a field that takes one (every
    /// built-in field but phone, email and tags, and each custom field), are refused,
    /// naming both flags: one of the columns would silently lose its values. A flag wins
    /// over the automatic mapping: a column mapped automatically to the field a flag gives
    /// another column is left out.
    pub fn apply_flags<S: AsRef<str>>(&mut self, specs: &[S]) -> Result<(), MappingError> {
        let mut given: Vec<(usize, Target, &str)> = Vec::with_capacity(specs.len());
        for spec in specs {
            let spec = spec.as_ref();
            let (index, target) = self.resolve_override(spec)?;
            for (earlier_index, earlier_target, earlier) in &given {
                if *earlier_index == index && *earlier_target != target {
                    return Err(MappingError::ColumnTwice {
                        earlier: earlier.to_string(),
                        later: spec.to_string(),
                        header: self.columns[index].header.clone(),
                    });
                }
                if *earlier_index != index
                    && takes_one_column(&target)
                    && same_field(earlier_target, &target)
                {
                    return Err(MappingError::FieldTwice {
                        earlier: earlier.to_string(),
                        later: spec.to_string(),
                        field: field_name(&target),
                    });
                }
            }
            given.push((index, target, spec));
        }
        for (index, target, _) in given {
            self.set_target(index, target);
        }
        Ok(())
    }

    /// The column and the target an override names.
    fn resolve_override(&self, spec: &str) -> Result<(usize, Target), MappingError> {
        let not_an_override = || MappingError::NotAnOverride {
            spec: spec.to_string(),
        };
        let (header, target) = spec
            .rsplit_once('=')
            .filter(|(h, _)| !h.trim().is_empty())
            .ok_or_else(not_an_override)?;
        // `custom:stage:option=a|b` holds a '=' itself: split at the first '=' that leaves a
        // known column on the left.
        let (header, target) = match self.find_column(header) {
            Some(_) => (header, target),
            None => spec.split_once('=').ok_or_else(not_an_override)?,
        };
        let index = self
            .find_column(header)
            .ok_or_else(|| MappingError::NoSuchColumn {
                spec: spec.to_string(),
                header: header.to_string(),
                columns: self.columns.iter().map(|c| c.header.clone()).collect(),
            })?;
        // `Phone=` is most likely a field name lost to the shell or a typo; taking it as
        // `ignore` would silently drop the column.
        if target.trim().is_empty() {
            return Err(MappingError::NoFieldGiven {
                spec: spec.to_string(),
            });
        }
        let target = Target::parse(target).map_err(|problem| MappingError::BadTarget {
            spec: spec.to_string(),
            problem: Box::new(problem),
        })?;
        Ok((index, target))
    }

    fn set_target(&mut self, index: usize, target: Target) {
        if let Target::Field(f) = &target {
            if !f.repeatable() {
                for c in &mut self.columns {
                    if c.index != index && c.target == target {
                        c.target = Target::Ignore;
                        c.source = MapSource::User;
                    }
                }
            }
        }
        let column = &mut self.columns[index];
        column.target = target;
        column.source = MapSource::User;
    }

    fn find_column(&self, header: &str) -> Option<usize> {
        let header = header.trim();
        self.columns
            .iter()
            .find(|c| c.header.trim() == header)
            .or_else(|| {
                self.columns.iter().find(|c| {
                    fold_key(&c.header) == fold_key(header) && !fold_key(header).is_empty()
                })
            })
            .map(|c| c.index)
            .or_else(|| {
                header
                    .parse::<usize>()
                    .ok()
                    .filter(|n| *n >= 1 && *n <= self.columns.len())
                    .map(|n| n - 1)
            })
    }

    /// `--unmapped custom`: every column mapped to nothing, other than those the user set
    /// to `ignore` and the `except` column (consent, which the import reads as its filter),
    /// becomes a text custom field named after its header (`Lead Source` → `lead_source`).
    pub fn keep_unmapped_as_custom(&mut self, except: Option<&str>) {
        let mut taken: Vec<String> = self.custom_fields().map(|(_, f)| f.name.clone()).collect();
        for column in &mut self.columns {
            let keep = column.target == Target::Ignore
                && column.source != MapSource::User
                && except != Some(column.header.as_str());
            if !keep {
                continue;
            }
            let base = custom_name_for(&column.header, column.index);
            let mut name = base.clone();
            let mut n = 2;
            while taken.contains(&name) {
                name = format!("{base}_{n}");
                n += 1;
            }
            taken.push(name.clone());
            column.target = Target::Custom(CustomField {
                name,
                kind: CustomKind::Text,
            });
        }
    }

    /// The headers of the columns mapped to nothing, except `except` (the consent column,
    /// which the import reads without storing): what the import leaves out.
    pub fn not_imported(&self, except: Option<&str>) -> Vec<String> {
        self.columns
            .iter()
            .filter(|c| c.target == Target::Ignore && except != Some(c.header.as_str()))
            .map(|c| c.header.clone())
            .collect()
    }

    pub fn has(&self, field: Field) -> bool {
        self.columns
            .iter()
            .any(|c| c.target == Target::Field(field))
    }

    pub fn columns_for(&self, field: Field) -> impl Iterator<Item = &ColumnMap> {
        self.columns
            .iter()
            .filter(move |c| c.target == Target::Field(field))
    }

    pub fn custom_fields(&self) -> impl Iterator<Item = (&ColumnMap, &CustomField)> {
        self.columns.iter().filter_map(|c| match &c.target {
            Target::Custom(cf) => Some((c, cf)),
            _ => None,
        })
    }

    /// True when the mapping is (partly) the one remembered for this header shape.
    pub fn is_remembered(&self) -> bool {
        self.columns
            .iter()
            .any(|c| c.source == MapSource::Remembered)
    }

    /// Custom fields the store already defines keep their type (`CustomField::adopt`).
    pub fn adopt_definitions(
        &mut self,
        defined: &std::collections::BTreeMap<String, CustomKind>,
    ) -> Result<(), MappingError> {
        for column in &mut self.columns {
            let Target::Custom(field) = &mut column.target else {
                continue;
            };
            if let Some(stored) = defined.get(&field.name) {
                field.adopt(stored).map_err(|e| match e {
                    MappingError::StoredType {
                        field,
                        stored,
                        asked,
                    } => MappingError::ColumnStoredType {
                        header: column.header.clone(),
                        field,
                        stored,
                        asked,
                    },
                    other => other,
                })?;
            }
        }
        Ok(())
    }

    /// For each unmatched column, the built-in field its sampled values (read in `region`)
    /// or else its header suggest (see [`suggest_column`]).
    pub fn suggestions(&self, samples: &[RawRow], region: &str) -> Vec<(String, Field)> {
        self.columns
            .iter()
            .filter(|c| c.source == MapSource::Unmatched)
            .filter_map(|c| suggest_column(c, samples, region).map(|f| (c.header.clone(), f)))
            .collect()
    }
}

/// A built-in field other than phone, email and tags, or a custom field: one column each.
fn takes_one_column(target: &Target) -> bool {
    match target {
        Target::Field(f) => !f.repeatable(),
        Target::Custom(_) => true,
        Target::Ignore => false,
    }
}

/// Two targets that fill the same field (a custom field by its name, whatever its type).
fn same_field(a: &Target, b: &Target) -> bool {
    match (a, b) {
        (Target::Custom(a), Target::Custom(b)) => a.name == b.name,
        _ => a == b,
    }
}

fn field_name(target: &Target) -> String {
    match target {
        Target::Custom(c) => format!("custom:{}", c.name),
        other => other.label(),
    }
}

/// Which cells of a file's rows say who a row is, by the mapping: so a row of a job reads
/// "Ada Lovelace" or her phone rather than only a number (History, `show --failed`).
#[derive(Debug, Clone, Default)]
pub struct Who {
    first: Option<usize>,
    last: Option<usize>,
    name: Option<usize>,
    phone: Option<usize>,
    email: Option<usize>,
}

impl Who {
    pub fn of(mapping: &Mapping) -> Who {
        let column = |f: Field| mapping.columns_for(f).next().map(|c| c.index);
        Who {
            first: column(Field::FirstName),
            last: column(Field::LastName),
            name: column(Field::Name),
            phone: column(Field::Phone),
            email: column(Field::Email),
        }
    }

    fn cell(cells: &Cells, column: Option<usize>) -> &str {
        column.and_then(|i| cells.get(i)).map_or("", str::trim)
    }

    /// The row's name as its cells write it: the full name, else first and last.
    pub fn name(&self, cells: &Cells) -> String {
        let whole = Who::cell(cells, self.name);
        if !whole.is_empty() {
            return whole.to_string();
        }
        let parts = [Who::cell(cells, self.first), Who::cell(cells, self.last)];
        parts
            .into_iter()
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    }

    pub fn phone<'a>(&self, cells: &'a Cells) -> &'a str {
        Who::cell(cells, self.phone)
    }

    pub fn email<'a>(&self, cells: &'a Cells) -> &'a str {
        Who::cell(cells, self.email)
    }

    /// The row's name, else its email, else its phone.
    pub fn describe(&self, cells: &Cells) -> String {
        let name = self.name(cells);
        if !name.is_empty() {
            return name;
        }
        [self.email(cells), self.phone(cells)]
            .into_iter()
            .find(|c| !c.is_empty())
            .unwrap_or_default()
            .to_string()
    }
}

/// The custom field a column is kept as: its header in lowercase words joined by `_`
/// (letters of any script kept), `column_N` for a header with no letters or digits.
pub fn custom_name_for(header: &str, index: usize) -> String {
    let mut name = String::new();
    for word in header
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !name.is_empty() {
            name.push('_');
        }
        name.extend(word.chars().flat_map(char::to_lowercase));
    }
    if name.is_empty() {
        format!("column_{}", index + 1)
    } else {
        name
    }
}

/// A header's field by exact synonym, then by a telling word inside it
/// ("Work Phone (main)" is a phone, "E-mail 2 (home)" an email).
/// A CRM's own id of the contact (HubSpot's `Record ID`, Salesforce's `Contact ID`): kept
/// as the text custom field of the same name, so it stays with the contact, and is never
/// taken for rolodex's contact id.
fn other_system_id(header: &str) -> Option<Target> {
    let name = match fold_key(header).as_str() {
        "recordid" => "record_id",
        "contactid" => "contact_id",
        _ => return None,
    };
    Target::parse(&format!("custom:{name}:text")).ok()
}

pub fn match_header(header: &str) -> Option<Field> {
    let key = fold_key(header);
    if key.is_empty() {
        return None;
    }
    if let Some(f) = Field::ALL
        .into_iter()
        .find(|f| f.spellings().any(|syn| syn == key))
    {
        return Some(f);
    }
    let contains = |words: &[&str]| words.iter().any(|w| key.contains(w));
    const NOT_A_VALUE: &[&str] = &[
        "type",
        "label",
        "ext",
        "display",
        "name",
        "domain",
        "marketing",
        "opened",
        "clicked",
        "verified",
        "status",
        "count",
        "date",
        "optout",
        "optin",
        "consent",
        "bounce",
        "valid",
    ];
    if contains(&["phone", "mobile", "telefon", "telephone", "cellnumber"])
        && !contains(NOT_A_VALUE)
    {
        return Some(Field::Phone);
    }
    if contains(&["email", "emailaddress", "courriel"]) && !contains(NOT_A_VALUE) {
        return Some(Field::Email);
    }
    None
}

/// The column that most likely says whether each contact agreed to be contacted, offered
/// as the consent column (never chosen silently: a consent column filters rows).
pub fn guess_consent_column(header: &[String]) -> Option<usize> {
    const NAMES: &[&str] = &[
        "consent",
        "optin",
        "optedin",
        "marketingconsent",
        "smsconsent",
        "callconsent",
        "emailoptin",
        "smsoptin",
        "tcpaconsent",
        "gdprconsent",
        "permission",
        "subscribed",
        "einwilligung",
        "consentement",
        "consentimiento",
    ];
    header
        .iter()
        .position(|h| NAMES.contains(&fold_key(h).as_str()))
        .or_else(|| header.iter().position(|h| fold_key(h).contains("consent")))
}

/// How many of a file's first rows the command line reads for [`suggest_column`], as many
/// as the wizard keeps as samples.
pub const SUGGESTION_SAMPLE: usize = 20;

/// The field to suggest for a column: what its sampled values are ([`field_by_values`]),
/// else what its header resembles ([`suggest_field`]). A column headed `Kontakt` or `Name 2`
/// that holds phone numbers is a phone column, whatever its header says.
pub fn suggest_column(column: &ColumnMap, samples: &[RawRow], region: &str) -> Option<Field> {
    let values = samples.iter().filter_map(|r| r.cells.get(column.index));
    field_by_values(values, region).or_else(|| suggest_field(&column.header))
}

/// `phone` when more than half of the non-empty `values` (at least two) hold a valid phone
/// number in `region`, `email` when they hold an address; `None` otherwise.
pub fn field_by_values<'a>(
    values: impl IntoIterator<Item = &'a str>,
    region: &str,
) -> Option<Field> {
    let region = parse_region(region);
    let (mut seen, mut phones, mut emails) = (0usize, 0usize, 0usize);
    for value in values {
        let value = clean_cell(value);
        if value.trim().is_empty() {
            continue;
        }
        seen += 1;
        if split_emails(&value)
            .iter()
            .any(|e| normalize_email(e).is_ok())
        {
            emails += 1;
        } else if region.is_some_and(|r| {
            split_phones(&value)
                .iter()
                .any(|p| normalize_phone(p, r).is_ok())
        }) {
            phones += 1;
        }
    }
    let most = |n: usize| seen >= 2 && n * 2 > seen;
    if most(phones) {
        Some(Field::Phone)
    } else if most(emails) {
        Some(Field::Email)
    } else {
        None
    }
}

/// A built-in field whose name or synonyms are close to `header` (fuzzy suggestion).
pub fn suggest_field(header: &str) -> Option<Field> {
    let key = fold_key(header);
    if key.len() < 3 {
        return None;
    }
    let mut best: Option<(f64, Field)> = None;
    for field in Field::ALL {
        for syn in field.spellings() {
            let score = strsim::jaro_winkler(&key, syn);
            if score > 0.88 && best.is_none_or(|(s, _)| score > s) {
                best = Some((score, field));
            }
        }
    }
    best.map(|(_, f)| f)
}

/// The header's signature: the same columns in the same order, whatever their case and
/// spacing, give the same signature, under which a mapping is remembered.
pub fn header_signature(header: &[String]) -> String {
    let mut hasher = Sha256::new();
    for h in header {
        hasher.update(fold_key(h).as_bytes());
        hasher.update([0x1F]);
    }
    let digest = hasher.finalize();
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unmapped_columns_are_kept_as_custom_fields_named_after_their_headers() {
        let header: Vec<String> = [
            "Name",
            "Lead Source",
            "Consent",
            "lead-source",
            "",
            "Источник",
        ]
        .map(String::from)
        .to_vec();
        let mut m = Mapping::auto(&header);
        assert_eq!(
            m.not_imported(Some("Consent")),
            ["Lead Source", "lead-source", "", "Источник"]
        );
        m.keep_unmapped_as_custom(Some("Consent"));
        let targets: Vec<String> = m.columns.iter().map(|c| c.target.label()).collect();
        assert_eq!(
            targets,
            [
                "name",
                "custom:lead_source:text",
                "ignore",
                "custom:lead_source_2:text",
                "custom:column_5:text",
                "custom:источник:text"
            ]
        );
        assert!(m.not_imported(Some("Consent")).is_empty());
        // A column the user chose to ignore stays ignored.
        let mut m = Mapping::auto(&header);
        m.apply_override("Lead Source=ignore").unwrap();
        m.keep_unmapped_as_custom(None);
        assert_eq!(m.columns[1].target, Target::Ignore);
    }

    #[test]
    fn every_spelling_is_folded_and_names_one_field() {
        let mut seen = std::collections::HashMap::new();
        for field in Field::ALL {
            for syn in field.spellings() {
                assert_eq!(fold_key(syn), syn, "{syn} of {field:?} is not folded");
                if let Some(other) = seen.insert(syn, field) {
                    assert_eq!(other, field, "{syn} names both {other:?} and {field:?}");
                }
            }
        }
    }

    #[test]
    fn headers_of_exports_in_other_languages_are_mapped() {
        for (header, field) in [
            ("Фамилия", Field::LastName),
            ("Электронная почта", Field::Email),
            ("Imię", Field::FirstName),
            ("Miejscowość", Field::City),
            ("Όνομα", Field::FirstName),
            ("Τηλέφωνο", Field::Phone),
            ("姓", Field::LastName),
            ("メールアドレス", Field::Email),
            ("姓名", Field::Name),
            ("电子邮件", Field::Email),
            ("E-posta", Field::Email),
        ] {
            assert_eq!(match_header(header), Some(field), "{header}");
        }
    }

    use crate::engine::source::Cells;

    fn header(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    fn targets(m: &Mapping) -> Vec<String> {
        m.columns.iter().map(|c| c.target.label()).collect()
    }

    #[test]
    fn google_contacts_export() {
        let m = Mapping::auto(&header(&[
            "Given Name",
            "Family Name",
            "E-mail 1 - Value",
            "Phone 1 - Value",
            "Organization 1 - Name",
            "Group Membership",
        ]));
        assert_eq!(
            targets(&m),
            [
                "first_name",
                "last_name",
                "email",
                "phone",
                "company",
                "tags"
            ]
        );
    }

    #[test]
    fn outlook_export() {
        let m = Mapping::auto(&header(&[
            "First Name",
            "Last Name",
            "E-mail Address",
            "Mobile Phone",
            "Business Phone",
            "Company",
            "Job Title",
            "Business City",
            "Country/Region",
        ]));
        assert_eq!(
            targets(&m),
            [
                "first_name",
                "last_name",
                "email",
                "phone",
                "phone",
                "company",
                "title",
                "city",
                "country"
            ]
        );
    }

    #[test]
    fn german_french_spanish_headers() {
        let m = Mapping::auto(&header(&[
            "Vorname", "Nachname", "Telefon", "E-Mail", "PLZ",
        ]));
        assert_eq!(
            targets(&m),
            ["first_name", "last_name", "phone", "email", "zip"]
        );
        let m = Mapping::auto(&header(&[
            "Prénom",
            "Nom",
            "Téléphone",
            "Courriel",
            "Ville",
        ]));
        assert_eq!(
            targets(&m),
            ["first_name", "last_name", "phone", "email", "city"]
        );
        let m = Mapping::auto(&header(&[
            "Nombre",
            "Apellido",
            "Teléfono",
            "Correo electrónico",
        ]));
        assert_eq!(targets(&m), ["first_name", "last_name", "phone", "email"]);
    }

    #[test]
    fn hubspot_salesforce_and_google_names_people_export() {
        let m = Mapping::auto(&header(&["Record ID", "State/Region", "Website URL"]));
        assert_eq!(targets(&m), ["custom:record_id:text", "state", "website"]);
        let m = Mapping::auto(&header(&["Contact ID", "Mailing State/Province"]));
        assert_eq!(targets(&m), ["custom:contact_id:text", "state"]);
        let m = Mapping::auto(&header(&["Organization Title", "Organization Name"]));
        assert_eq!(targets(&m), ["title", "company"]);
    }

    fn rows(cells: &[&[&str]]) -> Vec<RawRow> {
        cells
            .iter()
            .enumerate()
            .map(|(i, c)| RawRow {
                row: i as u64 + 2,
                line: i as u64 + 2,
                cells: Cells::from_strings(c),
            })
            .collect()
    }

    #[test]
    fn a_column_of_phone_numbers_is_suggested_as_phone_whatever_its_header() {
        let m = Mapping::auto(&header(&["Name", "Name2", "Kontakt", "Namee"]));
        assert_eq!(m.columns[1].source, MapSource::Unmatched);
        let samples = rows(&[
            &["Ada", "613-555-1234", "ada@example.com", "Lovelace"],
            &["Bob", "(613) 555-4321", "bob@example.com", "Smith"],
            &["Cy", "not known", "", "Jones"],
        ]);
        // By its header alone, `Name2` looks like a name.
        assert_eq!(suggest_field("Name2"), Some(Field::Name));
        assert_eq!(
            m.suggestions(&samples, "US"),
            [
                ("Name2".to_string(), Field::Phone),
                ("Kontakt".to_string(), Field::Email),
                ("Namee".to_string(), Field::Name),
            ]
        );
        // Without samples, the header decides, as before.
        assert_eq!(suggest_column(&m.columns[1], &[], "US"), Some(Field::Name));
    }

    #[test]
    fn one_phone_among_many_values_is_no_phone_column() {
        assert_eq!(field_by_values(["613-555-1234"], "US"), None);
        assert_eq!(field_by_values(["613-555-1234", "x", "y"], "US"), None);
        assert_eq!(
            field_by_values(["613-555-1234", "+44 20 7946 1234", ""], "US"),
            Some(Field::Phone)
        );
    }

    #[test]
    fn a_single_field_maps_once() {
        let m = Mapping::auto(&header(&["Company", "Company Name"]));
        assert_eq!(targets(&m), ["company", "ignore"]);
    }

    #[test]
    fn stored_custom_fields_keep_their_type() {
        let header: Vec<String> = ["Name", "Born", "Stage"].map(String::from).to_vec();
        let mut m = Mapping::auto(&header);
        m.apply_override("Born=custom:birthday").unwrap();
        m.apply_override("Stage=custom:stage:number").unwrap();
        let mut defined = std::collections::BTreeMap::new();
        defined.insert("birthday".to_string(), CustomKind::Date);
        m.adopt_definitions(&defined).unwrap();
        assert_eq!(m.columns[1].target.label(), "custom:birthday:date");

        defined.insert("stage".to_string(), CustomKind::Option(vec!["lead".into()]));
        let err = m.adopt_definitions(&defined).unwrap_err().to_string();
        assert_eq!(
            err,
            "the custom field stage is option=lead in the store, not number; map \"Stage\" to custom:stage"
        );
    }

    #[test]
    fn overrides_and_custom_fields() {
        let mut m = Mapping::auto(&header(&["Full Name", "Cell #", "Birthday", "Stage"]));
        m.apply_override("Birthday=custom:birthday:date").unwrap();
        m.apply_override("Stage=custom:stage:option=lead|customer")
            .unwrap();
        assert_eq!(
            targets(&m),
            [
                "name",
                "phone",
                "custom:birthday:date",
                "custom:stage:option=lead|customer"
            ]
        );
        assert_eq!(
            m.apply_override("Nope=phone").unwrap_err().to_string(),
            "--map \"Nope=phone\": no column named \"Nope\"; the columns are: Full Name, Cell #, Birthday, Stage"
        );
        assert_eq!(
            m.apply_override("Stage=phonee").unwrap_err().to_string(),
            "--map \"Stage=phonee\": unknown field \"phonee\"; use one of first_name, last_name, name, phone, email, company, title, address, city, state, zip, country, website, industry, note, tags, id, owner, followers, favorite_agent, opportunity.name, opportunity.pipeline, opportunity.stage, opportunity.value, opportunity.status, opportunity.close_date, opportunity.owner, opportunity.id, custom:NAME[:TYPE] or ignore"
        );
    }

    #[test]
    fn a_custom_field_type_that_cannot_be_read_says_what_to_write() {
        assert_eq!(
            CustomKind::parse("option").unwrap_err().to_string(),
            "option needs its options, as in option=red|green|blue"
        );
        assert_eq!(
            CustomKind::parse("colour").unwrap_err(),
            MappingError::UnknownKind("colour".into())
        );
        assert_eq!(
            Target::parse("custom::date").unwrap_err().to_string(),
            "custom: needs a field name, as in custom:birthday:date"
        );
        let mut m = Mapping::auto(&header(&["Phone"]));
        assert_eq!(
            m.apply_override("Phone").unwrap_err().to_string(),
            "--map \"Phone\": expected 'Header=field', as in 'Mobile=phone'"
        );
        assert_eq!(
            m.apply_override("Phone=custom:x:colour")
                .unwrap_err()
                .to_string(),
            "--map \"Phone=custom:x:colour\": unknown custom field type \"colour\"; use text, number, money, date, checkbox, option=a|b or multi=a|b"
        );
    }

    #[test]
    fn flags_that_would_lose_a_column_are_refused_naming_both() {
        let head = header(&[
            "First Name",
            "Last Name",
            "Phone",
            "Mobile",
            "Born",
            "Joined",
        ]);
        let refused = |flags: &[&str]| {
            let mut m = Mapping::auto(&head);
            let before = m.clone();
            let err = m.apply_flags(flags).unwrap_err();
            assert_eq!(m, before, "nothing applied when refused: {flags:?}");
            err.to_string()
        };
        let err = refused(&["First Name=first_name", "Last Name=first_name"]);
        assert!(
            err.starts_with("--map \"First Name=first_name\" and --map \"Last Name=first_name\" both map to first_name"),
            "{err}"
        );
        let err = refused(&["Phone="]);
        assert!(err.contains("no field after '='"), "{err}");
        let err = refused(&["Phone=phone", "phone=email"]);
        assert!(
            err.contains("\"Phone=phone\" and --map \"phone=email\" both map the column \"Phone\""),
            "{err}"
        );
        let err = refused(&["Born=custom:date:date", "Joined=custom:date"]);
        assert!(err.contains("both map to custom:date"), "{err}");

        // Phones, emails and tags take several columns; the same flag twice says one thing.
        let mut m = Mapping::auto(&head);
        m.apply_flags(&["Phone=phone", "Mobile=phone", "Phone=phone"])
            .unwrap();
        assert_eq!(targets(&m)[2..4], ["phone", "phone"]);
    }

    #[test]
    fn a_flag_wins_over_the_automatic_mapping() {
        let mut m = Mapping::auto(&header(&["First Name", "Given", "Phone"]));
        assert_eq!(targets(&m), ["first_name", "ignore", "phone"]);
        m.apply_flags(&["Given=first_name"]).unwrap();
        assert_eq!(targets(&m), ["ignore", "first_name", "phone"]);
    }

    #[test]
    fn owner_followers_and_favorite_agent_headers_of_the_seeds_and_crms() {
        let m = Mapping::auto(&header(&[
            "Contact Owner",
            "Contact Followers",
            "Favourite Agent",
        ]));
        assert_eq!(targets(&m), ["owner", "followers", "favorite_agent"]);
        for (h, f) in [
            ("Owner", Field::Owner),
            ("Record Owner", Field::Owner),
            ("Contact owner", Field::Owner),
            ("Owner Name", Field::Owner),
            ("Followers", Field::Followers),
            ("Favorite Agent", Field::FavoriteAgent),
            ("favorite_agent", Field::FavoriteAgent),
        ] {
            assert_eq!(match_header(h), Some(f), "{h}");
        }
    }

    #[test]
    fn signature_ignores_case_and_spacing() {
        assert_eq!(
            header_signature(&header(&["First Name", "Phone"])),
            header_signature(&header(&["first_name", " PHONE "]))
        );
        assert_ne!(
            header_signature(&header(&["Phone", "First Name"])),
            header_signature(&header(&["First Name", "Phone"]))
        );
    }
}
