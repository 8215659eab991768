#!/usr/bin/env bash
# The airflow-init job of docker-compose.yml: runs once before every other Airflow component
# starts (they wait for it to complete successfully). Idempotent: safe at every `up`.
set -euo pipefail

: "${AIRFLOW_ADMIN_PASSWORD:?缺少 AIRFLOW_ADMIN_PASSWORD：复制 .env.example 为 .env 并设置管理员密码}"

echo "airflow-init: Airflow $(airflow version)"
echo "airflow-init: 迁移 Airflow 元数据库"
airflow db migrate
echo "airflow-init: 管理员账号和专项行动看板权限（FAB）"
python "${CAMPAIGN_OPS_ROOT:-/opt/campaign-ops}/docker/init_security.py"
echo "airflow-init: 迁移数据仓库"
python -m campaign_ops.store upgrade
echo "airflow-init: 检查专项行动配置"
campaign-ops lint || echo "airflow-init: 有专项行动配置错误，Airflow 中会显示为“配置错误”任务"
echo "airflow-init: 完成"
