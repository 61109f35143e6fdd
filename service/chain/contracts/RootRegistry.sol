// SPDX-License-Identifier: MIT
// RootRegistry.sol: the chain anchor of ddcd's log. An admin keeps a writer allow-list; a writer
// anchors a checkpoint root (the RFC 9162 root of the log's first treeSize leaves) once; anyone
// reads when, and at which tree size, a root was anchored.
pragma solidity 0.8.30;

contract RootRegistry {
    struct Entry {
        uint64 treeSize;
        uint192 blockNumber; // 0: never anchored (no transaction is in block 0)
    }

    address public admin;
    mapping(address => bool) public writers;
    mapping(bytes32 => Entry) private entries;

    event Anchored(bytes32 indexed root, uint64 indexed treeSize, address indexed writer, uint256 blockNumber);
    event WriterSet(address indexed writer, bool allowed);

    error NotAdmin();
    error NotWriter();
    error AlreadyAnchored(bytes32 root);

    constructor() {
        admin = msg.sender;
    }

    function setWriter(address writer, bool allowed) external {
        if (msg.sender != admin) revert NotAdmin();
        writers[writer] = allowed;
        emit WriterSet(writer, allowed);
    }

    function anchor(bytes32 root, uint64 treeSize) external {
        if (!writers[msg.sender]) revert NotWriter();
        if (entries[root].blockNumber != 0) revert AlreadyAnchored(root);
        entries[root] = Entry(treeSize, uint192(block.number));
        emit Anchored(root, treeSize, msg.sender, block.number);
    }

    /// The block that anchored root and the tree size it was anchored with; (0, 0) if never.
    function anchoredAt(bytes32 root) external view returns (uint256 blockNumber, uint64 treeSize) {
        Entry memory e = entries[root];
        return (e.blockNumber, e.treeSize);
    }
}
