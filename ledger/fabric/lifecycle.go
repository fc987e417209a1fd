package fabric

import (
	"strings"

	"github.com/hyperledger/fabric-protos-go/peer"
	"github.com/hyperledger/fabric-protos-go/peer/lifecycle"

	"github.com/lianjian/lianjian/ledger"
)

// Fabric's chaincode lifecycle keeps each committed ChaincodeDefinition in
// the public state of the `_lifecycle` namespace, one key per field:
// namespaces/fields/<name>/<Field> holds a lifecycle.StateData, and
// namespaces/metadata/<name> a lifecycle.StateMetadata listing the fields.
// Approvals go to the approving org's implicit collection and appear on
// the ledger only as hashes.
const (
	lifecycleNS     = "_lifecycle"
	lifecycleFields = "namespaces/fields/"
)

// lifecycleContracts returns the chaincode definitions a transaction
// commits. Fabric rewrites only the fields that changed, so a definition
// carries what the transaction wrote; Sequence is always rewritten.
// Fields that do not decode are left empty.
func lifecycleContracts(tx *ledger.Tx) []ledger.Contract {
	var out []ledger.Contract
	index := map[string]int{}
	for _, ns := range tx.Fabric.RWSets {
		if ns.Namespace != lifecycleNS {
			continue
		}
		for _, w := range ns.Writes {
			rest, ok := strings.CutPrefix(w.Key, lifecycleFields)
			slash := strings.LastIndexByte(rest, '/')
			if !ok || w.IsDelete || slash <= 0 {
				continue
			}
			name, field := rest[:slash], rest[slash+1:]
			i, seen := index[name]
			if !seen {
				i = len(out)
				index[name] = i
				out = append(out, ledger.Contract{
					Chain: tx.Chain, Address: name, DeployTx: tx.ID, Height: tx.Height, Time: tx.Time,
				})
				if tx.Creator != nil {
					out[i].Creator = tx.Creator.MSPID
				}
			}
			definitionField(&out[i], field, w.Value)
		}
	}
	// A write without Sequence is no definition (Fabric always writes it).
	kept := out[:0]
	for _, c := range out {
		if c.Sequence > 0 {
			kept = append(kept, c)
		}
	}
	return kept
}

// definitionField sets one field of a chaincode definition from its state
// value.
func definitionField(c *ledger.Contract, field string, value []byte) {
	var sd lifecycle.StateData
	if unmarshal("", value, &sd) != nil {
		return
	}
	switch field {
	case "Sequence":
		if n := sd.GetInt64(); n > 0 {
			c.Sequence = uint64(n)
		}
	case "EndorsementInfo":
		var ei lifecycle.ChaincodeEndorsementInfo
		if unmarshal("", sd.GetBytes(), &ei) == nil {
			c.Version = ei.Version
		}
	case "ValidationInfo":
		var vi lifecycle.ChaincodeValidationInfo
		if unmarshal("", sd.GetBytes(), &vi) == nil {
			c.Policy = applicationPolicy(vi.ValidationParameter)
		}
	case "Collections":
		var pkg peer.CollectionConfigPackage
		if unmarshal("", sd.GetBytes(), &pkg) == nil {
			for _, cc := range pkg.Config {
				if s := cc.GetStaticCollectionConfig(); s != nil {
					c.Collections = append(c.Collections, s.Name)
				}
			}
		}
	}
}

// applicationPolicy renders a marshalled peer.ApplicationPolicy: a
// signature policy, or the path of a channel config policy.
func applicationPolicy(raw []byte) string {
	var ap peer.ApplicationPolicy
	if unmarshal("", raw, &ap) != nil {
		return ""
	}
	if sp := ap.GetSignaturePolicy(); sp != nil {
		return signaturePolicy(sp)
	}
	return ap.GetChannelConfigPolicyReference()
}
