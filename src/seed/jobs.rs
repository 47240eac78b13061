//! The work the generated shop does: each job is a complaint a customer comes in with and the
//! service template (保养套餐) that answers it. The generator stores the templates and builds
//! every order's lines from the template of its complaint, so a car that came in for a brake
//! noise leaves with brake pads, never with spark plugs and bodywork.

use rust_decimal::Decimal;

use crate::domain::LineKind;
use crate::domain::template::{TemplateDetails, TemplateLine};

/// A job: what customers say, the template's name, its labour (description, hours), its
/// parts (the catalog family's name and the family's usual price), its fees.
pub struct Job {
    pub complaints: &'static [&'static str],
    pub template: &'static str,
    pub labour: &'static [(&'static str, &'static str)],
    pub parts: &'static [(&'static str, u32)],
    pub fees: &'static [(&'static str, &'static str)],
    /// How often it comes in, against the others.
    pub weight: usize,
}

pub const JOBS: &[Job] = &[
    Job {
        complaints: &["常规保养", "到保养里程了，做个小保养", "保养提醒到期"],
        template: "小保养（机油+机滤）",
        labour: &[("保养工时", "0.5")],
        parts: &[("全合成机油", 58), ("机油滤清器", 45)],
        fees: &[("废油处理费", "10")],
        weight: 30,
    },
    Job {
        complaints: &["大保养（四万公里）", "大保养，顺便全车检查"],
        template: "大保养（三滤+火花塞）",
        labour: &[("大保养工时", "1.5")],
        parts: &[
            ("全合成机油", 58),
            ("机油滤清器", 45),
            ("空气滤清器", 68),
            ("空调滤清器", 75),
            ("火花塞", 65),
        ],
        fees: &[("废油处理费", "10")],
        weight: 10,
    },
    Job {
        complaints: &["刹车时有异响", "刹车片报警灯亮", "刹车变软，踩得深"],
        template: "更换前刹车片",
        labour: &[("更换前刹车片工时", "1")],
        parts: &[("前刹车片", 380), ("刹车油", 45)],
        fees: &[],
        weight: 12,
    },
    Job {
        complaints: &["方向盘抖动，跑偏", "轮胎偏磨"],
        template: "四轮定位+轮胎换位",
        labour: &[("四轮定位", "1"), ("轮胎换位及动平衡", "0.5")],
        parts: &[],
        fees: &[],
        weight: 8,
    },
    Job {
        complaints: &["轮胎鼓包，需要更换", "更换轮胎"],
        template: "更换轮胎（两条）",
        labour: &[("拆装轮胎及动平衡", "0.5")],
        parts: &[("轮胎", 520)],
        fees: &[],
        weight: 7,
    },
    Job {
        complaints: &["空调不制冷", "空调有异味"],
        template: "空调保养",
        labour: &[("空调系统检修", "1.5")],
        parts: &[("空调滤清器", 75)],
        fees: &[("加注冷媒 R134a", "180")],
        weight: 7,
    },
    Job {
        complaints: &["电瓶亏电，启动困难", "早上打不着火"],
        template: "更换蓄电池",
        labour: &[("蓄电池检测与更换", "0.5")],
        parts: &[("蓄电池", 620)],
        fees: &[],
        weight: 6,
    },
    Job {
        complaints: &["发动机故障灯亮，怠速抖动", "加速无力，发动机抖"],
        template: "发动机诊断+更换火花塞",
        labour: &[("发动机故障诊断", "1"), ("更换火花塞工时", "0.5")],
        parts: &[("火花塞", 65)],
        fees: &[("电脑检测费", "50")],
        weight: 6,
    },
    Job {
        complaints: &["底盘异响，过减速带咯噔响"],
        template: "更换前减震器",
        labour: &[("更换减震器工时", "2")],
        parts: &[("前减震器", 860)],
        fees: &[],
        weight: 4,
    },
    Job {
        complaints: &["变速箱换挡顿挫"],
        template: "更换变速箱油",
        labour: &[("变速箱油更换", "1")],
        parts: &[("变速箱油", 85)],
        fees: &[],
        weight: 4,
    },
    Job {
        complaints: &["年检前检查", "灯泡不亮，雨刮刮不干净"],
        template: "年检前检查",
        labour: &[("年检前安全检查", "0.5")],
        parts: &[("大灯灯泡", 35), ("雨刮片", 88)],
        fees: &[("检测费", "50")],
        weight: 4,
    },
    Job {
        complaints: &["左前门刮擦，钣金喷漆", "后保险杠撞凹"],
        template: "钣金喷漆（单面）",
        labour: &[("钣金修复", "2"), ("喷漆（单面）", "2")],
        parts: &[],
        fees: &[("油漆辅料费", "350")],
        weight: 4,
    },
    Job {
        complaints: &["正时皮带到期更换（十万公里）"],
        template: "更换正时皮带套件",
        labour: &[("更换正时皮带工时", "3")],
        parts: &[("正时皮带套件", 980), ("水泵", 450)],
        fees: &[],
        weight: 2,
    },
];

/// The job a complaint belongs to.
pub fn for_complaint(complaint: &str) -> Option<&'static Job> {
    JOBS.iter().find(|j| j.complaints.contains(&complaint))
}

impl Job {
    /// The job's service template as the shop stores it. Part lines carry the family's name
    /// and usual quantity; labour lines are priced at the shop's rate when used.
    pub fn template_details(&self, per_order: impl Fn(&str) -> u32) -> TemplateDetails {
        let mut lines = Vec::new();
        for (description, hours) in self.labour {
            lines.push(TemplateLine {
                kind: LineKind::Labor,
                description: description.to_string(),
                qty: hours.parse().expect("hours"),
                unit_price: None,
            });
        }
        for (family, price) in self.parts {
            lines.push(TemplateLine {
                kind: LineKind::Part,
                description: family.to_string(),
                qty: Decimal::from(per_order(family)),
                unit_price: Some(Decimal::from(*price)),
            });
        }
        for (description, price) in self.fees {
            lines.push(TemplateLine {
                kind: LineKind::Fee,
                description: description.to_string(),
                qty: Decimal::ONE,
                unit_price: Some(price.parse().expect("price")),
            });
        }
        TemplateDetails { name: self.template.to_string(), lines }
    }

    /// Every line description an order of this job may carry.
    pub fn descriptions(&self) -> Vec<&'static str> {
        self.labour
            .iter()
            .map(|(d, _)| *d)
            .chain(self.parts.iter().map(|(d, _)| *d))
            .chain(self.fees.iter().map(|(d, _)| *d))
            .collect()
    }
}

/// A job picked by its weight, and one of its complaints.
pub fn pick(rng: &mut super::Rng) -> (&'static Job, &'static str) {
    let total: usize = JOBS.iter().map(|j| j.weight).sum();
    let mut roll = rng.below(total);
    let job = JOBS
        .iter()
        .find(|j| {
            let hit = roll < j.weight;
            roll = roll.saturating_sub(j.weight);
            hit
        })
        .unwrap_or(&JOBS[0]);
    (job, *rng.pick(job.complaints))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_complaint_belongs_to_one_job_and_every_template_checks() {
        for job in JOBS {
            for c in job.complaints {
                assert_eq!(for_complaint(c).map(|j| j.template), Some(job.template), "{c}");
            }
            let details = job.template_details(|_| 1);
            assert!(!details.lines.is_empty(), "{}", job.template);
        }
    }
}
