import EnhanceCheckpoints

/// The nodes of a graph in an order that computes every value before it is read (Kahn's
/// algorithm, stable: file order where the file's order allows). A value read by a node that no
/// node, initializer or input makes, a value made twice, and a cycle are each refused on one line
/// naming a node.
public enum ONNXGraphOrder {
    /// Indices into `model.nodes`, in execution order.
    public static func order(_ model: ONNXModel) throws -> [Int] {
        let nodes = model.nodes, initializers = Set(model.initializerNames)
        var producer: [String: Int] = [:]
        for (i, n) in nodes.enumerated() {
            for o in n.outputs where !o.isEmpty {
                guard producer[o] == nil, !initializers.contains(o), o != model.input.name else {
                    throw CheckpointError(file: model.path, "value '\(o)' is made twice (again by node \(n.label))")
                }
                producer[o] = i
            }
        }
        var pending = [Int](repeating: 0, count: nodes.count)
        var readers = [[Int]](repeating: [], count: nodes.count)
        for (i, n) in nodes.enumerated() {
            for name in Set(n.inputs) where !name.isEmpty {
                if let p = producer[name] {
                    pending[i] += 1
                    readers[p].append(i)
                } else if !initializers.contains(name) && name != model.input.name {
                    throw CheckpointError(file: model.path, "node \(n.label) (\(n.opType)) reads '\(name)', which no "
                                          + "node, initializer or input provides")
                }
            }
        }
        // A min-heap would keep file order exactly; a sorted ready list is enough for graphs of this size.
        var ready = (0..<nodes.count).filter { pending[$0] == 0 }
        var order: [Int] = []
        order.reserveCapacity(nodes.count)
        var head = 0
        while head < ready.count {
            let i = ready[head]
            head += 1
            order.append(i)
            for r in readers[i] {
                pending[r] -= 1
                if pending[r] == 0 { ready.append(r) }
            }
        }
        guard order.count == nodes.count else {
            let stuck = nodes.indices.first { pending[$0] > 0 }!
            throw CheckpointError(file: model.path, "the graph has a cycle through node \(nodes[stuck].label) "
                                  + "(\(nodes[stuck].opType))")
        }
        for o in model.outputs where producer[o.name] == nil && !initializers.contains(o.name) {
            throw CheckpointError(file: model.path, "graph output '\(o.name)' is made by no node")
        }
        return order
    }
}
