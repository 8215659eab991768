# campaign-ops production image: Airflow's official image plus this project's pinned
# requirements and the campaign_ops package. docker-compose.yml builds it for every Airflow
# component (api-server, scheduler, dag-processor, triggerer, Celery workers, init job).
#
# The Airflow version must equal the apache-airflow pin in requirements.txt (the pinned set
# was resolved against it); tests/ops/test_compose.py checks that.
ARG AIRFLOW_VERSION=3.3.2
ARG PYTHON_VERSION=3.11
FROM apache/airflow:${AIRFLOW_VERSION}-python${PYTHON_VERSION}
ARG AIRFLOW_VERSION

ENV CAMPAIGN_OPS_ROOT=/opt/campaign-ops

# Dependencies first: this layer is rebuilt only when requirements.txt changes. Naming
# apache-airflow again keeps pip from moving Airflow away from the image's version.
COPY --chown=airflow:0 requirements.txt ${CAMPAIGN_OPS_ROOT}/requirements.txt
RUN pip install --no-cache-dir "apache-airflow==${AIRFLOW_VERSION}" \
        -r ${CAMPAIGN_OPS_ROOT}/requirements.txt

# The package, installed in place so campaign_ops.INCLUDE_DIR is /opt/campaign-ops/include
# (docker-compose.yml mounts include/ and expectations/ there, for every component).
COPY --chown=airflow:0 pyproject.toml ${CAMPAIGN_OPS_ROOT}/pyproject.toml
COPY --chown=airflow:0 campaign_ops ${CAMPAIGN_OPS_ROOT}/campaign_ops
COPY --chown=airflow:0 include ${CAMPAIGN_OPS_ROOT}/include
COPY --chown=airflow:0 expectations ${CAMPAIGN_OPS_ROOT}/expectations
COPY --chown=airflow:0 docker ${CAMPAIGN_OPS_ROOT}/docker
RUN pip install --no-cache-dir --no-deps -e ${CAMPAIGN_OPS_ROOT}

# DAGs and plugins baked in too, so the image runs without the compose file's bind mounts.
COPY --chown=airflow:0 dags /opt/airflow/dags
COPY --chown=airflow:0 plugins /opt/airflow/plugins

# Named volumes copy these folders' ownership when first created: the state (archive, outbox,
# reports) and the drop zone shared with the Samba container belong to the airflow user.
RUN mkdir -p /opt/airflow/campaign-ops /opt/airflow/dropzone
