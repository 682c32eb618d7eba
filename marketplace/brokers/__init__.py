"""The broker directory (技术经纪人 / 技术经理人): qualified people, their record and their mandates."""
