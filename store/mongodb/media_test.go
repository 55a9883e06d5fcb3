package mongodb_test

import (
	"testing"

	"phananh/app/storetest"
	"phananh/store/mongodb/mongotest"
)

// TestMediaContractFerretDB runs the media contract, GridFS-layout blobs included, on FerretDB.
func TestMediaContractFerretDB(t *testing.T) {
	storetest.RunMedia(t, opener(mongotest.StartFerretDB(t)))
}

// TestMediaContractMongoDB runs it against the real MongoDB of MONGODB_TEST_URI.
func TestMediaContractMongoDB(t *testing.T) {
	srv := mongotest.External(t)
	if srv == nil {
		t.Skipf("%s not set", mongotest.EnvURI)
	}
	storetest.RunMedia(t, opener(srv))
}
