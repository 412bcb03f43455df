# Claim Atlas as a self-hosted container.
#   docker build -t claim-atlas .
#   docker run -p 8501:8501 -v claim-atlas-data:/data claim-atlas
# The store (SQLite) lives in the /data volume; the gazetteer index is built into the image.
# Not built or run on the machine it was written on (no container engine there): see README.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    CLAIM_ATLAS_HOME=/data \
    CLAIM_ATLAS_GAZETTEER=/opt/claim-atlas/gazetteer.sqlite \
    STREAMLIT_SERVER_FILE_WATCHER_TYPE=none \
    STREAMLIT_CLIENT_SHOW_ERROR_DETAILS=type \
    STREAMLIT_BROWSER_GATHER_USAGE_STATS=false

WORKDIR /app

# Dependencies first, so that code changes do not reinstall them. Every requirement ships wheels
# with its C libraries (GDAL in pyogrio, GEOS in shapely), so no apt package is needed.
COPY requirements.txt ./
RUN pip install -r requirements.txt

COPY . .

# The gazetteer index (GeoNames + data/reference, about 170 MB) is built now, not on first use.
# It is rebuilt only if its sources change, and they do not change inside the image.
RUN python -m geo gazetteer build \
    && useradd --create-home --uid 10001 claimatlas \
    && mkdir -p /data \
    && chown claimatlas /data

USER claimatlas
VOLUME ["/data"]
EXPOSE 8501

HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; r = urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4); sys.exit(0 if r.read().strip() == b'ok' else 1)"]

CMD ["streamlit", "run", "serve.py", "--server.port=8501", "--server.address=0.0.0.0"]
