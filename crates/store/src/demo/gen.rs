//! The generator: names, birthdays, ID and phone numbers drawn from one seeded stream,
//! and the small geometry helpers.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use jiayuan_domain::ResidentId;
use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use std::collections::HashSet;
use uuid::Uuid;

pub(super) const SURNAMES: &[&str] = &[
    "王", "王", "王", "张", "张", "张", "刘", "刘", "李", "李", "孙", "孙", "于", "于", "姜", "姜", "林", "曲", "宋",
    "赵", "杨", "陈", "高", "徐", "周", "吴", "郭", "马", "吕", "隋", "衣", "初", "丛", "鞠", "迟", "邹", "杜", "崔",
    "姚", "董", "韩", "曹", "田", "冯", "郝", "谢", "程", "唐", "许", "邓", "牟", "宫",
];
pub(super) const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "霞",
    "平", "刚", "桂英", "建华", "文", "华", "玉兰", "红", "鹏", "辉", "宇", "浩", "凯", "欣怡", "子涵", "梓轩", "雨桐",
    "一诺", "思远", "海燕", "志强", "丽华", "春梅", "国庆", "建国", "淑珍", "凤英", "晓东", "晓燕", "俊杰", "佳怡",
    "婷", "雪", "琳", "斌", "波", "峰", "昊", "博", "彤", "悦", "然", "晨", "阳", "东", "梅", "兰", "亮", "成", "玲",
    "萍",
];
pub(super) const COMMUNITY_NAMES: &[&str] = &[
    "正阳",
    "通海",
    "金山",
    "育英",
    "向阳",
    "东关",
    "西关",
    "南关",
    "北关",
    "新华",
    "东华",
    "海晏",
    "龙泉",
    "沁水",
    "鑫山",
    "昆嵛",
    "宁海",
    "安德",
    "顺泽",
    "文化",
    "武宁",
    "大窑",
    "姜格庄",
    "曲家",
    "崔家",
    "王家",
    "泰和",
    "永安",
    "福山",
    "养马岛",
    "观水",
    "玉林",
    "莒格庄",
    "水道",
];
pub(super) const COMPOUND_WORDS: &[&str] = &[
    "幸福", "阳光", "金色", "翠竹", "海景", "锦绣", "和谐", "怡景", "书香", "恒泰", "龙湖", "碧海", "银河", "盛世",
    "丽景", "御景", "滨河", "青年", "文华", "东方", "金海", "祥和", "瑞丰", "馨园", "蓝天", "华府", "春晖", "枫林",
    "桃源", "润泽",
];
pub(super) const COMPOUND_SUFFIXES: &[&str] = &["小区", "花园", "家园", "苑", "新村", "华庭", "名都", "公寓"];
pub(super) const PROPERTY_WORDS: &[&str] =
    &["安居", "万家", "宜居", "恒安", "金盾", "福润", "康泰", "嘉禾", "海晟", "和悦", "鑫源", "瑞祥"];
pub(super) const SOCIAL_ORGS: &[&str] = &[
    "老兵志愿服务队",
    "夕阳红志愿服务队",
    "蒲公英公益服务中心",
    "红马甲志愿服务队",
    "暖阳社会工作服务中心",
    "邻里互助会",
    "巾帼志愿服务队",
    "银龄互助社",
    "彩虹桥青少年服务中心",
    "心语心理咨询服务社",
    "乐享文体协会",
    "爱心食堂志愿队",
    "家事我办志愿服务队",
    "平安守望巡逻队",
    "书香读书会",
    "康乐健身协会",
    "助残服务社",
    "绿色家园环保协会",
    "法律援助志愿团",
    "银发智慧课堂",
    "红心调解工作室",
    "同心社会工作服务社",
    "养老服务协会",
    "小雨点儿童之家",
    "骑手驿站服务队",
    "文艺轻骑兵",
    "和美家庭服务社",
    "邻里守望服务社",
    "社区康复协会",
    "手工编织社",
];
pub(super) const UNITS: &[&str] = &[
    "区住房和城乡建设局",
    "区行政审批服务局",
    "区民政局",
    "区人力资源和社会保障局",
    "区卫生健康局",
    "区教育和体育局",
    "区城市管理局",
    "区市场监督管理局",
    "区税务局",
    "区财政局",
    "区文化和旅游局",
    "区退役军人事务局",
    "区医疗保障局",
    "区司法局",
    "区交通运输局",
    "区自然资源局",
    "区应急管理局",
    "区农业农村局",
    "区商务局",
    "区统计局",
    "区审计局",
    "区科技局",
    "区水务局",
    "区生态环境分局",
    "区供电公司",
    "区邮政分公司",
    "区人民医院",
    "区中医医院",
    "区第一中学",
    "区实验小学",
    "区农商银行",
    "区工商银行支行",
    "区建设银行支行",
    "区人民法院",
    "区人民检察院",
    "区总工会",
    "团区委",
    "区妇联",
    "区残联",
    "区红十字会",
];

pub(super) struct Gen {
    pub(super) rng: ChaCha8Rng,
    pub(super) epoch: DateTime<Utc>,
    pub(super) id_ms: u64,
    pub(super) ids_used: HashSet<String>,
}

impl Gen {
    pub(super) fn id(&mut self) -> Uuid {
        self.id_ms += 1;
        let bytes: [u8; 10] = self.rng.gen();
        uuid::Builder::from_unix_timestamp_millis(self.id_ms, &bytes).into_uuid()
    }

    pub(super) fn name(&mut self) -> String {
        let s = SURNAMES.choose(&mut self.rng).copied().unwrap_or("王");
        let g = GIVEN.choose(&mut self.rng).copied().unwrap_or("明");
        if self.rng.gen_bool(0.35) && g.chars().count() == 1 {
            let g2 = GIVEN.iter().filter(|x| x.chars().count() == 1).collect::<Vec<_>>();
            let g2 = g2.choose(&mut self.rng).map(|x| **x).unwrap_or("华");
            format!("{s}{g}{g2}")
        } else {
            format!("{s}{g}")
        }
    }

    pub(super) fn birth(&mut self, min_age: i64, max_age: i64) -> NaiveDate {
        let today = self.epoch.date_naive();
        let days = self.rng.gen_range(min_age * 365..=max_age * 365 + 364);
        today - Duration::days(days)
    }

    /// A valid, unique resident ID number for a person of the given sex.
    pub(super) fn resident_id(&mut self, birth: NaiveDate, male: bool) -> String {
        const REGIONS: &[u32] = &[370612, 370612, 370612, 370612, 370602, 370613, 370686, 370687, 371002, 370211];
        loop {
            let region = *REGIONS.choose(&mut self.rng).unwrap_or(&370612);
            let mut seq: u16 = self.rng.gen_range(0..1000);
            if (seq % 2 == 1) != male {
                seq = (seq + 1) % 1000;
            }
            let Ok(id) = ResidentId::compose(region, birth, seq) else {
                continue;
            };
            if self.ids_used.insert(id.as_str().to_string()) {
                return id.as_str().to_string();
            }
        }
    }

    pub(super) fn phone(&mut self) -> String {
        const PREFIX: &[&str] = &[
            "130", "131", "132", "135", "136", "137", "138", "139", "150", "151", "152", "155", "156", "157", "158",
            "159", "176", "177", "180", "181", "182", "185", "186", "187", "188", "189", "199",
        ];
        let p = PREFIX.choose(&mut self.rng).copied().unwrap_or("138");
        format!("{p}{:08}", self.rng.gen_range(0..100_000_000u32))
    }
}

/// Splits `total` into `n` parts of at least 1, weighted randomly, summing exactly.
pub(super) fn split(rng: &mut ChaCha8Rng, total: usize, n: usize) -> Vec<usize> {
    assert!(n > 0 && total >= n);
    let weights: Vec<f64> = (0..n).map(|_| rng.gen_range(0.6..1.4)).collect();
    let sum: f64 = weights.iter().sum();
    let extra = total - n;
    let mut parts: Vec<usize> = weights.iter().map(|w| 1 + (w / sum * extra as f64).floor() as usize).collect();
    let mut short = total - parts.iter().sum::<usize>();
    let mut i = 0;
    while short > 0 {
        parts[i % n] += 1;
        short -= 1;
        i += 1;
    }
    parts
}

/// A closed GeoJSON polygon through `pts` (longitude, latitude).
pub(super) fn polygon(pts: &[(f64, f64)]) -> String {
    let mut ring: Vec<String> = pts.iter().map(|(x, y)| format!("[{x:.6},{y:.6}]")).collect();
    if let Some(first) = ring.first().cloned() {
        ring.push(first);
    }
    format!("{{\"type\":\"Polygon\",\"coordinates\":[[{}]]}}", ring.join(","))
}

/// A compound's outline: its plot (x0, y0, w, h) with each side bent outward a little, as
/// real compound walls are, so that no two compounds look alike. Drawn from a generator of
/// its own (seeded by the compound's code), so the rest of the demo stays as it was.
pub(super) fn compound_outline(code: &str, x0: f64, y0: f64, w: f64, h: f64) -> String {
    use rand::{Rng, SeedableRng};
    let seed = code.bytes().fold(0xcbf29ce484222325u64, |h, b| (h ^ b as u64).wrapping_mul(0x100000001b3));
    let mut r = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let j = w.min(h) * 0.07;
    let mut bump = || r.gen_range(0.0..j);
    let (x1, y1) = (x0 + w, y0 + h);
    let pts = [
        (x0 - bump(), y0 - bump()),
        (x0 + w * 0.5, y0 - bump()),
        (x1 + bump(), y0 - bump()),
        (x1 + bump(), y0 + h * 0.5),
        (x1 + bump(), y1 + bump()),
        (x0 + w * 0.5, y1 + bump()),
        (x0 - bump(), y1 + bump()),
        (x0 - bump(), y0 + h * 0.5),
    ];
    polygon(&pts)
}

/// Building `i` of `n` inside a compound's plot: slab footprints in rows, each 70% of its
/// cell's width and 35% of its height, the way residential blocks stand.
pub(super) fn building_footprint(i: usize, n: usize, x0: f64, y0: f64, w: f64, h: f64) -> String {
    let cols = (n as f64).sqrt().ceil().max(1.0) as usize;
    let rows = n.div_ceil(cols).max(1);
    let (cw, ch) = (w / cols as f64, h / rows as f64);
    let (c, r) = (i % cols, i / cols);
    let (bw, bh) = (cw * 0.7, ch * 0.35);
    let bx = x0 + c as f64 * cw + (cw - bw) / 2.0;
    // Row 0 is the south of the plot; buildings number from the north as people count them.
    let by = y0 + (rows - 1 - r) as f64 * ch + (ch - bh) / 2.0;
    polygon(&[(bx, by), (bx + bw, by), (bx + bw, by + bh), (bx, by + bh)])
}

pub(super) fn rect(x0: f64, y0: f64, w: f64, h: f64) -> String {
    format!(
        "{{\"type\":\"Polygon\",\"coordinates\":[[[{:.6},{:.6}],[{:.6},{:.6}],[{:.6},{:.6}],[{:.6},{:.6}],[{:.6},{:.6}]]]}}",
        x0, y0, x0 + w, y0, x0 + w, y0 + h, x0, y0 + h, x0, y0
    )
}

pub(super) struct PersonSpec {
    pub(super) id: Uuid,
    pub(super) name: String,
    pub(super) male: bool,
    pub(super) birth: NaiveDate,
}
