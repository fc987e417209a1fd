package index

import "testing"

func TestCommonName(t *testing.T) {
	for _, tc := range []struct{ subject, want string }{
		{"CN=peer0.org1.example.com,OU=peer,O=Org1,L=Beijing,C=CN", "peer0.org1.example.com"},
		{"OU=client,CN=User1@org1.example.com", "User1@org1.example.com"},
		{"CN=admin+OU=admin,O=Org2", "admin"},
		{"O=Org1,C=CN", ""},
		{"", ""},
	} {
		if got := commonName(tc.subject); got != tc.want {
			t.Errorf("commonName(%q) = %q, want %q", tc.subject, got, tc.want)
		}
	}
}
