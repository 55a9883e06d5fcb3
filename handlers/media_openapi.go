package handlers

// addMediaPaths documents the media routes (media.go) in the OpenAPI document.
func addMediaPaths(paths map[string]any,
	op func(string, []string, bool, map[string]any, []any, map[string]any, ...string) map[string]any,
	param func(string, string, bool, string, string) map[string]any,
	resp func(string, map[string]any) map[string]any) {
	str := map[string]any{"type": "string"}
	integer := map[string]any{"type": "integer"}
	mediaSchema := answerSchema(mediaBody{})
	uploadSchema := answerSchema(uploadBody{})
	tusHeaders := func(desc string) map[string]any {
		return map[string]any{
			"Upload-Offset": map[string]any{"description": "bytes received so far", "schema": integer},
			"Upload-Length": map[string]any{"description": "declared size", "schema": integer},
			"Tus-Resumable": map[string]any{"description": desc, "schema": str},
		}
	}

	upload := op("Upload one photo or video (multipart/form-data, field \"file\"). The type is read from the bytes: "+
		"JPEG, PNG, WebP (at most 10 MB and 40 megapixels; HEIC/AVIF refused: no decoder), MP4, MOV (at most 50 MB). "+
		"Images are stored upright without EXIF/XMP/IPTC, with 320 px and 1280 px JPEG renditions; videos byte for byte "+
		"except their metadata boxes (udta, meta, XMP: position, device), which become zero-filled free boxes of the same size. "+
		"Attach the id to a report (POST /v1/tickets \"media\") or a resolution (resolve action \"media\"); unattached uploads are deleted after 24 h. "+
		"Quotas per account (defaults): 413 when the file would take the uploads not yet attached past 200 MB (resumable ones count by "+
		"their declared length); 429 with Retry-After past 1 GB stored per day, or past the request rate limit.",
		[]string{"media"}, true, nil, nil, map[string]any{
			"201": resp("stored", mediaSchema),
			"200": resp("the caller uploaded this file before: the earlier record", mediaSchema),
		}, "400", "401", "413", "415", "422", "429")
	upload["requestBody"] = map[string]any{"required": true, "content": map[string]any{"multipart/form-data": map[string]any{
		"schema": map[string]any{"type": "object", "required": []string{"file"}, "properties": map[string]any{
			"file": map[string]any{"type": "string", "format": "binary"}}}}}}
	paths["/v1/media"] = map[string]any{"post": upload}

	create := op("Start a resumable upload (tus-style) of Upload-Length bytes; send the bytes with PATCH /v1/media/{id}",
		[]string{"media"}, true, nil, []any{param("Upload-Length", "header", true, "integer", "the file's size in bytes")},
		map[string]any{"201": resp("created; Location names the upload", uploadSchema)}, "400", "401", "413", "429")
	create["responses"].(map[string]any)["201"].(map[string]any)["headers"] = tusHeaders("1.0.0")
	paths["/v1/media/uploads"] = map[string]any{"post": create}

	patch := op("Append bytes to a resumable upload at Upload-Offset (which must equal the bytes received so far: after a "+
		"dropped connection ask it with GET/HEAD /v1/media/{id}). The PATCH that completes the length validates and stores "+
		"the file exactly like POST /v1/media and answers with the media. PATCHes are rate-limited (upload_patch_user, "+
		"upload_patch_ip): 429 with Retry-After, after which the client resumes at the offset it asks.",
		[]string{"media"}, true, nil, []any{
			param("id", "path", true, "string", "upload id"),
			param("Upload-Offset", "header", true, "integer", "byte offset of this body in the file"),
		}, map[string]any{
			"204": map[string]any{"description": "bytes appended", "headers": tusHeaders("1.0.0")},
			"201": resp("upload complete: the stored media", mediaSchema),
		}, "400", "401", "404", "409", "413", "415", "422", "429")
	patch["requestBody"] = map[string]any{"required": true, "content": map[string]any{"application/offset+octet-stream": map[string]any{
		"schema": map[string]any{"type": "string", "format": "binary"}}}}

	get := op("A photo or video, under the ticket's read policy (404 otherwise; before attachment only the uploader reads "+
		"it). Images of public tickets are public; videos never are. ETag, Cache-Control, and single byte Range requests "+
		"(206) are supported. For a resumable upload in progress it answers the upload's offset (tus HEAD).",
		[]string{"media"}, false, nil, []any{
			param("id", "path", true, "string", "media id"),
			param("size", "query", false, "string", "thumb (320 px JPEG) or large (1280 px JPEG); absent: the stored original"),
			param("Range", "header", false, "string", "bytes=first-last"),
		}, map[string]any{
			"200": map[string]any{"description": "the file (or, for an upload in progress, its offset as JSON)", "content": map[string]any{
				"image/jpeg": map[string]any{}, "image/png": map[string]any{}, "image/webp": map[string]any{},
				"video/mp4": map[string]any{}, "video/quicktime": map[string]any{}, "application/json": map[string]any{"schema": uploadSchema}}},
			"206": resp("the requested range", nil),
			"304": resp("not modified (If-None-Match)", nil),
			"416": resp("range not satisfiable", nil),
		}, "400", "401", "404")
	get["security"] = []any{map[string]any{}, map[string]any{"bearer": []any{}}}
	paths["/v1/media/{id}"] = map[string]any{"get": get, "patch": patch}
}
