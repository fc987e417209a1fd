pragma solidity ^0.4.24;

// Compiler-generated arithmetic (storage packing, array pushes and
// indexing, byte arrays copied to storage, ABI decoding and hashing of
// memory) is not an integer overflow; the one sum in add() is.
contract Generated {
    struct Entry {
        address who;
        uint8 kind;
        bool done;
    }

    Entry[] public entries;
    uint8 public small;
    address public owner;
    bytes public note;
    mapping (bytes32 => uint) public seen;
    uint[] public values;
    uint public total;

    function record(uint8 kind) public {
        entries.push(Entry(msg.sender, kind, false));
        small = kind;
        owner = msg.sender;
    }

    function setNote(bytes data) public {
        note = data;
    }

    function mark(address[] who, uint salt) public {
        seen[keccak256(abi.encodePacked(who, salt))] = who.length;
    }

    function store(uint i, uint v) public {
        require(i < values.length);
        values[i] = v;
    }

    function add(uint v) public {
        total += v; // want "EVM-INTEGER-OVERFLOW"
    }
}
