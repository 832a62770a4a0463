import EnhanceCheckpoints

/// Super-resolution families whose checkpoints people have but that Enhance cannot run yet,
/// recognised by keys their state dicts always hold, so that such a file is named ("GRL (not
/// supported yet; …)") instead of being called an unrecognised layout. Each entry is a family and
/// the canonical keys (wrapper prefixes stripped) that identify it; more specific families come
/// first. The signatures follow the detection rules the model-loading ecosystem uses (spandrel's
/// per-architecture key conditions), reduced to keys every variant of a family has.
enum KnownFamilies {
    struct Family {
        let name: String
        let detection: KeyCondition

        init(name: String, keys: [String]) {
            self.name = name
            detection = .all(keys.map(KeyCondition.has))
        }
    }

    static let unsupported: [Family] = [
        Family(name: "ATD", keys: ["relative_position_index_SA", "layers.0.residual_group.td",
                                   "layers.0.residual_group.layers.0.wqkv.weight"]),
        Family(name: "DRCT", keys: ["layers.0.swin1.attn.relative_position_index", "layers.0.adjust1.weight"]),
        Family(name: "Swin2SR", keys: ["patch_embed.proj.weight",
                                       "layers.0.residual_group.blocks.0.attn.relative_position_index",
                                       "layers.0.residual_group.blocks.0.mlp.fc1.bias"]),
        Family(name: "RGT", keys: ["before_RG.1.weight", "layers.0.blocks.0.attn.attns.0.relative_position_index"]),
        Family(name: "GRL", keys: ["norm_start.weight", "norm_end.weight",
                                   "layers.0.blocks.0.attn.window_attn.attn_transform.logit_scale"]),
        Family(name: "CRAFT", keys: ["conv_first.weight", "layers.0.residual_group.hf_blocks.0.attn.temperature"]),
        Family(name: "OmniSR", keys: ["input.weight", "up.0.weight",
                                      "residual_layer.0.residual_layer.0.layer.0.fn.0.weight"]),
        Family(name: "SAFMN", keys: ["to_feat.weight", "feats.0.safm.aggr.weight", "to_img.0.weight"]),
        Family(name: "DITN", keys: ["sft.weight", "UFONE.0.ITLs.0.attn.temperature"]),
        Family(name: "SeemoRe", keys: ["body.0.local_block.block.agg_conv.0.weight", "upsampler.0.weight"]),
        Family(name: "SCUNet", keys: ["m_head.0.weight", "m_tail.0.weight"]),
        Family(name: "MoSR", keys: ["gblocks.0.weight", "gblocks.1.fc1.weight"]),
        Family(name: "SwiftSRGAN", keys: ["initial.cnn.depthwise.weight", "final_conv.pointwise.weight"]),
    ]

    /// The unsupported family whose signature the canonical `shapes` hold, if any.
    static func unsupportedFamily(_ shapes: TensorShapes) -> String? {
        unsupported.first { $0.detection.holds(in: shapes) }?.name
    }

    /// The error for a checkpoint of unsupported `family`, naming the families that are supported.
    static func refusal(_ family: String, source: String) -> NetworkError {
        let supported = NetworkRegistry.familyNames.joined(separator: ", ")
        return NetworkError(source, "\(family) (not supported yet; supported: \(supported))")
    }
}
