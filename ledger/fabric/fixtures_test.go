package fabric

import (
	"bytes"
	"crypto/sha256"
	"strings"
	"testing"
)

// TestDecodeFixtures pins what every real fixture block decodes to.
func TestDecodeFixtures(t *testing.T) {
	tests := []struct {
		file         string
		height       uint64
		channel      string
		types        string // header type of each tx
		status       string // validation code name of each tx
		chaincode    string // first tx
		function     string // first tx
		creatorMSP   string // first tx
		keyAlgo      string // first tx creator key
		endorsements int    // over all txs
		ordererSigs  int
		lastConfig   uint64
		commitHash   bool
		txids        string
	}{
		{"fabric-2.5.9/peer/mychannel_0.block", 0, "mychannel", "CONFIG", "VALID", "", "", "", "", 0, 0, 0, false, "b50e0aabb9335b74616fcc6d2837ee8aec62b70404a4c85167dc15cffd63b191"},
		{"fabric-2.5.9/peer/mychannel_1.block", 1, "mychannel", "ENDORSER_TRANSACTION", "VALID", "_lifecycle", "ApproveChaincodeDefinitionForMyOrg", "Org1MSP", "ECDSA-P256", 1, 1, 0, true, "080e45fb234bf5fe0f4721fcc9ebe81ed1ce1bbe7d3579abd29799d76d5089bd"},
		{"fabric-2.5.9/peer/mychannel_10.block", 10, "mychannel", "ENDORSER_TRANSACTION,ENDORSER_TRANSACTION,ENDORSER_TRANSACTION", "VALID,MVCC_READ_CONFLICT,MVCC_READ_CONFLICT", "kvcc", "incr", "Org1MSP", "ECDSA-P256", 3, 1, 0, true, "2c71c40b5426516fe4c4cfa48f73317d5d83f26875b76169026020f8345ecc6f,967fd98800789e29bf74bdcf7c6912d33f64a6143371c8865fbd71be7bc387a6,57088f84449941c42bef1f7ca78ac61d71ab0a2bdf806e5521d4b3480b049c32"},
		{"fabric-2.5.9/peer/mychannel_11.block", 11, "mychannel", "CONFIG", "VALID", "", "", "OrdererMSP", "ECDSA-P256", 0, 1, 11, true, ""},
		{"fabric-2.5.9/peer/mychannel_12.block", 12, "mychannel", "ENDORSER_TRANSACTION", "VALID", "kvcc", "put", "Org1MSP", "ECDSA-P256", 1, 1, 11, true, "b8d4f94baae7147ea8321ebce9e95746de6a98c88eb15cd8f06cd190738c4185"},
		{"fabric-2.5.9/peer/mychannel_2.block", 2, "mychannel", "ENDORSER_TRANSACTION", "VALID", "_lifecycle", "CommitChaincodeDefinition", "Org1MSP", "ECDSA-P256", 1, 1, 0, true, "9e8ad82865f18e663e6ac4155cff8fde8c32fe07311eb1fd4d39874051433da0"},
		{"fabric-2.5.9/peer/mychannel_3.block", 3, "mychannel", "ENDORSER_TRANSACTION", "VALID", "kvcc", "put", "Org1MSP", "ECDSA-P256", 1, 1, 0, true, "3c8a5a4a1b1b50be27e6fb737970f16002c58e0877a9a41140f52c9c1b53aec3"},
		{"fabric-2.5.9/peer/mychannel_4.block", 4, "mychannel", "ENDORSER_TRANSACTION", "VALID", "kvcc", "put", "Org1MSP", "ECDSA-P256", 1, 1, 0, true, "c45b4bc9779e52d27be51b3aac651d652e7a49f2a7abbe3fe25df98765cc827c"},
		{"fabric-2.5.9/peer/mychannel_5.block", 5, "mychannel", "ENDORSER_TRANSACTION", "VALID", "kvcc", "put", "Org1MSP", "ECDSA-P256", 1, 1, 0, true, "aa286cb66270f439b66fd62003d6e5ce7a5d363b682b2e19b6fd2eb85f9654a6"},
		{"fabric-2.5.9/peer/mychannel_6.block", 6, "mychannel", "ENDORSER_TRANSACTION", "VALID", "kvcc", "put", "Org1MSP", "ECDSA-P256", 1, 1, 0, true, "51d5c7b7d0dbf888213a38711bbbd515f501022a41140c619c6d3de2f2861179"},
		{"fabric-2.5.9/peer/mychannel_7.block", 7, "mychannel", "ENDORSER_TRANSACTION", "VALID", "kvcc", "put", "Org1MSP", "ECDSA-P256", 1, 1, 0, true, "dd712ac512e151337cc4fa1b7f791e369ab6048d061d7332e17cdb63189dc1e9"},
		{"fabric-2.5.9/peer/mychannel_8.block", 8, "mychannel", "ENDORSER_TRANSACTION", "VALID", "kvcc", "del", "Org1MSP", "ECDSA-P256", 1, 1, 0, true, "d186c872299f05141e2278bd0d08ec30eeefe25ae46e6ad4c44e62d4d213cb44"},
		{"fabric-2.5.9/peer/mychannel_9.block", 9, "mychannel", "ENDORSER_TRANSACTION", "VALID", "kvcc", "put", "Org1MSP", "ECDSA-P256", 1, 1, 0, true, "1e4d92595239d05f47e86a3f0c700387303bd9c1004ed29684fa95848f940232"},
		{"fabric-2.5.9/orderer/mychannel_0.block", 0, "mychannel", "CONFIG", "NOT_VALIDATED", "", "", "", "", 0, 0, 0, false, "b50e0aabb9335b74616fcc6d2837ee8aec62b70404a4c85167dc15cffd63b191"},
		{"fabric-2.5.9/orderer/mychannel_1.block", 1, "mychannel", "ENDORSER_TRANSACTION", "NOT_VALIDATED", "_lifecycle", "ApproveChaincodeDefinitionForMyOrg", "Org1MSP", "ECDSA-P256", 1, 1, 0, false, "080e45fb234bf5fe0f4721fcc9ebe81ed1ce1bbe7d3579abd29799d76d5089bd"},
		{"fabric-2.5.9/orderer/mychannel_2.block", 2, "mychannel", "ENDORSER_TRANSACTION", "NOT_VALIDATED", "_lifecycle", "CommitChaincodeDefinition", "Org1MSP", "ECDSA-P256", 1, 1, 0, false, "9e8ad82865f18e663e6ac4155cff8fde8c32fe07311eb1fd4d39874051433da0"},
		{"fabric-2.5.9/orderer/mychannel_3.block", 3, "mychannel", "ENDORSER_TRANSACTION", "NOT_VALIDATED", "kvcc", "put", "Org1MSP", "ECDSA-P256", 1, 1, 0, false, "3c8a5a4a1b1b50be27e6fb737970f16002c58e0877a9a41140f52c9c1b53aec3"},
		{"fabric-2.5.9/orderer/mychannel_4.block", 4, "mychannel", "ENDORSER_TRANSACTION", "NOT_VALIDATED", "kvcc", "put", "Org1MSP", "ECDSA-P256", 1, 1, 0, false, "c45b4bc9779e52d27be51b3aac651d652e7a49f2a7abbe3fe25df98765cc827c"},
		{"fabric-2.5.9/orderer/mychannel_5.block", 5, "mychannel", "ENDORSER_TRANSACTION", "NOT_VALIDATED", "kvcc", "put", "Org1MSP", "ECDSA-P256", 1, 1, 0, false, "aa286cb66270f439b66fd62003d6e5ce7a5d363b682b2e19b6fd2eb85f9654a6"},
		{"fabric-2.5.9/orderer/mychannel_6.block", 6, "mychannel", "ENDORSER_TRANSACTION", "NOT_VALIDATED", "kvcc", "put", "Org1MSP", "ECDSA-P256", 1, 1, 0, false, "51d5c7b7d0dbf888213a38711bbbd515f501022a41140c619c6d3de2f2861179"},
		{"fabric-2.5.9/orderer/mychannel_7.block", 7, "mychannel", "ENDORSER_TRANSACTION", "NOT_VALIDATED", "kvcc", "put", "Org1MSP", "ECDSA-P256", 1, 1, 0, false, "dd712ac512e151337cc4fa1b7f791e369ab6048d061d7332e17cdb63189dc1e9"},
		{"fabric-2.5.9/orderer/mychannel_8.block", 8, "mychannel", "ENDORSER_TRANSACTION", "NOT_VALIDATED", "kvcc", "del", "Org1MSP", "ECDSA-P256", 1, 1, 0, false, "d186c872299f05141e2278bd0d08ec30eeefe25ae46e6ad4c44e62d4d213cb44"},
		{"fabric-gm-sm2/peer/mychannel_0.block", 0, "mychannel", "CONFIG", "VALID", "", "", "OrdererMSP", "SM2", 0, 0, 0, false, ""},
		{"fabric-gm-sm2/peer/mychannel_1.block", 1, "mychannel", "ENDORSER_TRANSACTION", "VALID", "_lifecycle", "ApproveChaincodeDefinitionForMyOrg", "Org1MSP", "SM2", 1, 1, 0, true, "18cf70def8d214b9c3dc157c6b5365f3ef035ca8910310fcf315be8c7aa4999a"},
		{"fabric-gm-sm2/peer/mychannel_2.block", 2, "mychannel", "ENDORSER_TRANSACTION", "VALID", "_lifecycle", "CommitChaincodeDefinition", "Org1MSP", "SM2", 1, 1, 0, true, "b7e113e663cc172c7c31be4dc24ebf5ffd09b716863f7c47fab004bd17a388ec"},
		{"fabric-gm-sm2/peer/mychannel_3.block", 3, "mychannel", "ENDORSER_TRANSACTION", "VALID", "kvcc", "put", "Org1MSP", "SM2", 1, 1, 0, true, "346bb4cb6fe13a8d48fa1db87e603d314e441dc18fd6456d0807681b96af1346"},
		{"fabric-gm-sm2/peer/mychannel_4.block", 4, "mychannel", "ENDORSER_TRANSACTION", "VALID", "kvcc", "put", "Org1MSP", "SM2", 1, 1, 0, true, "6047473aa7ece048c2d76d57b62b4c1aa9b3d4b0daddfcd879aeef78ee44844d"},
		{"fabric-gm-sm2/peer/mychannel_5.block", 5, "mychannel", "ENDORSER_TRANSACTION", "VALID", "kvcc", "put", "Org1MSP", "SM2", 1, 1, 0, true, "a83ca302bfc94c1d1eaebfe7eb822dfa5534d2f068d5f46b42744f10ea1e6470"},
		{"fabric-gm-sm2/orderer/gm_mychannel_0.block", 0, "mychannel", "CONFIG", "NOT_VALIDATED", "", "", "OrdererMSP", "SM2", 0, 0, 0, false, ""},
		{"fabric-gm-sm2/orderer/gm_mychannel_1.block", 1, "mychannel", "ENDORSER_TRANSACTION", "NOT_VALIDATED", "_lifecycle", "ApproveChaincodeDefinitionForMyOrg", "Org1MSP", "SM2", 1, 1, 0, false, "18cf70def8d214b9c3dc157c6b5365f3ef035ca8910310fcf315be8c7aa4999a"},
		{"fabric-gm-sm2/orderer/gm_mychannel_2.block", 2, "mychannel", "ENDORSER_TRANSACTION", "NOT_VALIDATED", "_lifecycle", "CommitChaincodeDefinition", "Org1MSP", "SM2", 1, 1, 0, false, "b7e113e663cc172c7c31be4dc24ebf5ffd09b716863f7c47fab004bd17a388ec"},
		{"fabric-gm-sm2/orderer/gm_mychannel_3.block", 3, "mychannel", "ENDORSER_TRANSACTION", "NOT_VALIDATED", "kvcc", "put", "Org1MSP", "SM2", 1, 1, 0, false, "346bb4cb6fe13a8d48fa1db87e603d314e441dc18fd6456d0807681b96af1346"},
		{"fabric-gm-sm2/orderer/gm_mychannel_4.block", 4, "mychannel", "ENDORSER_TRANSACTION", "NOT_VALIDATED", "kvcc", "put", "Org1MSP", "SM2", 1, 1, 0, false, "6047473aa7ece048c2d76d57b62b4c1aa9b3d4b0daddfcd879aeef78ee44844d"},
		{"fabric-gm-sm2/orderer/gm_mychannel_5.block", 5, "mychannel", "ENDORSER_TRANSACTION", "NOT_VALIDATED", "kvcc", "put", "Org1MSP", "SM2", 1, 1, 0, false, "a83ca302bfc94c1d1eaebfe7eb822dfa5534d2f068d5f46b42744f10ea1e6470"},
		{"fabric-gm-sm2/orderer/system-channel_0.block", 0, "system-channel", "CONFIG", "NOT_VALIDATED", "", "", "", "", 0, 0, 0, false, "f928774209bf57038bf52bac19b25dd19c7aa20e3450448f7889e3a4ae526d38"},
	}
	if files := fixtureFiles(t); len(files) != len(tests) {
		t.Fatalf("%d fixture blocks, %d table rows: pin every fixture", len(files), len(tests))
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			raw := readFixture(t, tt.file)
			b := decodeFixture(t, tt.file)
			var types, status, ids []string
			endorsements := 0
			var envs [][]byte
			for i, tx := range b.Txs {
				types = append(types, tx.Type)
				status = append(status, tx.Status)
				ids = append(ids, tx.ID)
				endorsements += len(tx.Fabric.Endorsements)
				envs = append(envs, tx.Raw)
				if tx.Fabric.DecodeError != "" {
					t.Errorf("Tx(%d).DecodeError = %q", i, tx.Fabric.DecodeError)
				}
				if tx.Index != i || tx.Height != tt.height || tx.Chain != "test" {
					t.Errorf("Tx(%d) position = %s/%d/%d", i, tx.Chain, tx.Height, tx.Index)
				}
				if tx.Valid != (tx.Status == "VALID") {
					t.Errorf("Tx(%d).Valid = %v with status %s", i, tx.Valid, tx.Status)
				}
			}
			first := b.Txs[0]
			creatorMSP, keyAlgo := "", ""
			if first.Creator != nil {
				creatorMSP, keyAlgo = first.Creator.MSPID, first.Creator.KeyAlgorithm
			}
			for _, c := range []struct {
				name       string
				have, want any
			}{
				{"Height", b.Height, tt.height},
				{"Channel", b.Fabric.Channel, tt.channel},
				{"types", strings.Join(types, ","), tt.types},
				{"status", strings.Join(status, ","), tt.status},
				{"Contract", first.Contract, tt.chaincode},
				{"Function", first.Function, tt.function},
				{"creator MSP", creatorMSP, tt.creatorMSP},
				{"creator key", keyAlgo, tt.keyAlgo},
				{"endorsements", endorsements, tt.endorsements},
				{"orderer signatures", len(b.Signatures), tt.ordererSigs},
				{"LastConfig", b.Fabric.LastConfig, tt.lastConfig},
				{"has CommitHash", b.Fabric.CommitHash != nil, tt.commitHash},
				{"txids", strings.Join(ids, ","), tt.txids},
				{"IsConfig", b.Fabric.IsConfig, tt.types == "CONFIG"},
				{"has Config", b.Config != nil, tt.types == "CONFIG"},
				{"has TxFilter", len(b.Fabric.TxFilter) == len(b.Txs), strings.Contains(tt.file, "/peer/")},
			} {
				if c.have != c.want {
					t.Errorf("Block(%s) %s = %v, want %v", tt.file, c.name, c.have, c.want)
				}
			}
			if !bytes.Equal(b.Raw, raw) {
				t.Errorf("Block(%s).Raw differs from the input", tt.file)
			}
			if sum := sha256.Sum256(bytes.Join(envs, nil)); !bytes.Equal(sum[:], b.DataHash) {
				t.Errorf("Block(%s) DataHash = %x, want SHA-256 of the envelopes %x", tt.file, b.DataHash, sum)
			}
			wantSigAlgo := "ECDSA-P256-SHA256"
			if strings.HasPrefix(tt.file, "fabric-gm-sm2") {
				wantSigAlgo = "SM2-SM3"
			}
			for i, s := range b.Signatures {
				if s.Role != RoleOrderer || s.Signer.MSPID != "OrdererMSP" || s.Algorithm != wantSigAlgo {
					t.Errorf("Block(%s) signature %d = %s by %s with %s, want orderer by OrdererMSP with %s",
						tt.file, i, s.Role, s.Signer.MSPID, s.Algorithm, wantSigAlgo)
				}
			}
		})
	}
}
