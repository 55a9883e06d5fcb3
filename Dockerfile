# Multi-stage build: a static, cgo-free binary (SQLite is pure Go) on a minimal non-root image.
#
# The builder is pinned to the patched Go release go.mod names (toolchain go1.26.10): the
# golang:1.26 image's Go ignores that line inside the image (GOTOOLCHAIN=local), so a floating
# tag would build with whatever 1.26.x it carries, including releases whose standard library has
# known vulnerabilities. Bump this line together with go.mod's toolchain line.
FROM golang:1.26.10-bookworm AS build
ENV GOTOOLCHAIN=local CGO_ENABLED=0
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN go build -trimpath -ldflags="-s -w" -o /out/phananh ./cmd/phananh \
 && mkdir -p /out/data

# distroless/static runs as uid 65532 ("nonroot"): a bind mount or a Kubernetes volume for /data
# must be writable by that uid (README, "Operating phananh"). The image has no shell, so
# orchestrators probe over HTTP: GET /livez (restart when it fails) and GET /readyz (send traffic
# only when it answers 200).
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/phananh /usr/local/bin/phananh
COPY --from=build --chown=nonroot:nonroot /out/data /data
ENV ADDR=:8080 DATA_DIR=/data
VOLUME ["/data"]
EXPOSE 8080
USER nonroot:nonroot
ENTRYPOINT ["/usr/local/bin/phananh"]
CMD ["serve"]
