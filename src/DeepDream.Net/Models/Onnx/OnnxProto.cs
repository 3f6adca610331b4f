namespace DeepDream.Models.Onnx;

/// <summary>ONNX tensor element types (TensorProto.DataType) this importer understands.</summary>
internal enum OnnxDataType
{
    Undefined = 0,
    Float = 1,
    UInt8 = 2,
    Int8 = 3,
    UInt16 = 4,
    Int16 = 5,
    Int32 = 6,
    Int64 = 7,
    String = 8,
    Bool = 9,
    Float16 = 10,
    Double = 11,
    UInt32 = 12,
    UInt64 = 13,
    Complex64 = 14,
    Complex128 = 15,
    BFloat16 = 16,
}

/// <summary>A parsed ONNX model: the main graph and the default-domain opset version.</summary>
internal sealed class OnnxModelProto
{
    public required OnnxGraphProto Graph { get; init; }
    public long OpsetVersion { get; init; }
    public string ProducerName { get; init; } = "";
}

/// <summary>A parsed GraphProto (fields node=1, name=2, initializer=5, input=11, output=12, value_info=13).</summary>
internal sealed class OnnxGraphProto
{
    public string Name { get; set; } = "";
    public List<OnnxNodeProto> Nodes { get; } = [];
    public List<OnnxTensorProto> Initializers { get; } = [];
    public List<OnnxValueInfo> Inputs { get; } = [];
    public List<OnnxValueInfo> Outputs { get; } = [];
    public List<OnnxValueInfo> ValueInfos { get; } = [];
}

/// <summary>A graph input/output: name and (possibly symbolic) dimensions; a null entry is a symbolic or unknown dimension.</summary>
internal sealed class OnnxValueInfo
{
    public string Name { get; set; } = "";
    public List<long?> Dims { get; } = [];
    public bool HasShape { get; set; }

    /// <summary>The declared element type of a tensor value (<see cref="OnnxDataType.Undefined"/> when not a tensor or not given).</summary>
    public OnnxDataType ElementType { get; set; }
}

/// <summary>A parsed NodeProto (input=1, output=2, name=3, op_type=4, attribute=5, domain=7).</summary>
internal sealed class OnnxNodeProto
{
    public List<string> Inputs { get; } = [];
    public List<string> Outputs { get; } = [];
    public string Name { get; set; } = "";
    public string OpType { get; set; } = "";
    public string Domain { get; set; } = "";
    public Dictionary<string, OnnxAttribute> Attributes { get; } = new(StringComparer.Ordinal);

    /// <summary>The name used in messages: the node name, or its first output when unnamed.</summary>
    public string DisplayName => Name.Length > 0 ? Name : Outputs.Count > 0 ? $"(unnamed, output '{Outputs[0]}')" : "(unnamed)";
}

/// <summary>A parsed AttributeProto (name=1, f=2, i=3, s=4, t=5, g=6, floats=7, ints=8, strings=9, type=20).</summary>
internal sealed class OnnxAttribute
{
    public string Name { get; set; } = "";
    public float? F { get; set; }
    public long? I { get; set; }
    public string? S { get; set; }
    public OnnxTensorProto? T { get; set; }
    public bool HasGraph { get; set; }
    public List<float> Floats { get; } = [];
    public List<long> Ints { get; } = [];
    public List<string> Strings { get; } = [];
}

/// <summary>
/// A parsed TensorProto (dims=1, data_type=2, float_data=4, int32_data=5, int64_data=7, name=8, raw_data=9, double_data=10,
/// external_data=13, data_location=14). Large payloads are kept as positions in the model buffer, not copied.
/// </summary>
internal sealed class OnnxTensorProto
{
    public string Name { get; set; } = "";
    public List<long> Dims { get; } = [];
    public OnnxDataType DataType { get; set; }
    public (long Offset, int Length)? RawData { get; set; }
    public (long Offset, int Length)? PackedFloatData { get; set; }
    public List<float> FloatData { get; } = [];
    public List<long> Int32Data { get; } = [];
    public List<long> Int64Data { get; } = [];
    public List<double> DoubleData { get; } = [];
    public Dictionary<string, string> ExternalData { get; } = new(StringComparer.Ordinal);
    public bool IsExternal { get; set; }

    /// <summary>The dimensions for messages, such as <c>2x3x4</c> (at most 8 shown).</summary>
    public string ShapeText => string.Join("x", Dims.Take(8)) + (Dims.Count > 8 ? $"x… ({Dims.Count} dimensions)" : "");

    /// <summary>The product of <see cref="Dims"/>.</summary>
    /// <exception cref="OnnxFormatException">A dimension is negative, or the product exceeds 2^59 (no file can hold it).</exception>
    public long ElementCount
    {
        get
        {
            long n = 1;
            foreach (var d in Dims)
            {
                if (d < 0) throw new OnnxFormatException($"tensor '{Name}' has a negative dimension ({ShapeText})");
                // 2^59 elements would be exabytes: a crafted shape, refused before any byte count can overflow.
                if (d != 0 && n > (1L << 59) / d)
                    throw new OnnxFormatException($"tensor '{Name}' declares dimensions {ShapeText}, more elements than any file can hold");
                n *= d;
            }
            return n;
        }
    }
}

/// <summary>Parses the ONNX protobuf messages the importer needs, skipping every other field.</summary>
internal static class OnnxProtoParser
{
    /// <summary>Parses a ModelProto (graph=7, opset_import=8, producer_name=2).</summary>
    public static OnnxModelProto ParseModel(ReadOnlySpan<byte> data)
    {
        var reader = new ProtoReader(data);
        OnnxGraphProto? graph = null;
        long? opset = null;
        var producer = "";
        var sawIrVersion = false;
        while (reader.TryReadTag(out var field, out var wire))
        {
            switch (field)
            {
                case 1 when wire == 0:
                    reader.ReadVarint();
                    sawIrVersion = true;
                    break;
                case 2 when wire == 2:
                    producer = reader.ReadString();
                    break;
                case 7 when wire == 2:
                    var g = reader.ReadMessage();
                    graph = ParseGraph(ref g);
                    break;
                case 8 when wire == 2:
                    var o = reader.ReadMessage();
                    var (domain, version) = ParseOpset(ref o);
                    if (domain is "" or "ai.onnx") opset = version;
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }
        if (graph is null)
            throw new OnnxFormatException(sawIrVersion
                ? "the model has no graph (ModelProto field 7)"
                : "it is not an ONNX model (no ir_version and no graph found)");
        return new OnnxModelProto { Graph = graph, OpsetVersion = opset ?? 1, ProducerName = producer };
    }

    private static (string Domain, long Version) ParseOpset(ref ProtoReader reader)
    {
        var domain = "";
        long version = 1;
        while (reader.TryReadTag(out var field, out var wire))
        {
            if (field == 1 && wire == 2) domain = reader.ReadString();
            else if (field == 2 && wire == 0) version = reader.ReadInt64();
            else reader.Skip(wire);
        }
        return (domain, version);
    }

    private static OnnxGraphProto ParseGraph(ref ProtoReader reader)
    {
        var graph = new OnnxGraphProto();
        while (reader.TryReadTag(out var field, out var wire))
        {
            if (wire != 2)
            {
                reader.Skip(wire);
                continue;
            }
            switch (field)
            {
                case 1:
                    var n = reader.ReadMessage();
                    graph.Nodes.Add(ParseNode(ref n));
                    break;
                case 2:
                    graph.Name = reader.ReadString();
                    break;
                case 5:
                    var t = reader.ReadMessage();
                    graph.Initializers.Add(ParseTensor(ref t));
                    break;
                case 11:
                case 12:
                case 13:
                    var v = reader.ReadMessage();
                    var info = ParseValueInfo(ref v);
                    (field == 11 ? graph.Inputs : field == 12 ? graph.Outputs : graph.ValueInfos).Add(info);
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }
        return graph;
    }

    private static OnnxNodeProto ParseNode(ref ProtoReader reader)
    {
        var node = new OnnxNodeProto();
        while (reader.TryReadTag(out var field, out var wire))
        {
            if (wire != 2)
            {
                reader.Skip(wire);
                continue;
            }
            switch (field)
            {
                case 1: node.Inputs.Add(reader.ReadString()); break;
                case 2: node.Outputs.Add(reader.ReadString()); break;
                case 3: node.Name = reader.ReadString(); break;
                case 4: node.OpType = reader.ReadString(); break;
                case 5:
                    var a = reader.ReadMessage();
                    var attribute = ParseAttribute(ref a);
                    node.Attributes[attribute.Name] = attribute;
                    break;
                case 7: node.Domain = reader.ReadString(); break;
                default: reader.Skip(wire); break;
            }
        }
        return node;
    }

    private static OnnxAttribute ParseAttribute(ref ProtoReader reader)
    {
        var a = new OnnxAttribute();
        while (reader.TryReadTag(out var field, out var wire))
        {
            switch (field)
            {
                case 1 when wire == 2: a.Name = reader.ReadString(); break;
                case 2 when wire == 5: a.F = reader.ReadFixedFloat(); break;
                case 3 when wire == 0: a.I = reader.ReadInt64(); break;
                case 4 when wire == 2: a.S = reader.ReadString(); break;
                case 5 when wire == 2:
                    var t = reader.ReadMessage();
                    a.T = ParseTensor(ref t);
                    break;
                case 6 when wire == 2:
                    reader.Skip(wire);
                    a.HasGraph = true;
                    break;
                case 7: reader.ReadFloats(wire, a.Floats); break;
                case 8: reader.ReadInt64s(wire, a.Ints); break;
                case 9 when wire == 2: a.Strings.Add(reader.ReadString()); break;
                default: reader.Skip(wire); break;
            }
        }
        return a;
    }

    /// <summary>Parses a TensorProto.</summary>
    public static OnnxTensorProto ParseTensor(ref ProtoReader reader)
    {
        var t = new OnnxTensorProto();
        while (reader.TryReadTag(out var field, out var wire))
        {
            switch (field)
            {
                case 1: reader.ReadInt64s(wire, t.Dims); break;
                case 2 when wire == 0: t.DataType = (OnnxDataType)reader.ReadInt32(); break;
                case 4 when wire == 2:
                    // Packed floats: keep the position (the big weight case) unless several runs appear.
                    var range = reader.ReadBytesRange();
                    if (range.Length % 4 != 0) throw new OnnxFormatException("a packed float_data field has a length that is not a multiple of 4");
                    if (t.PackedFloatData is null && t.FloatData.Count == 0) t.PackedFloatData = range;
                    else throw new OnnxFormatException("float_data split over several runs is not supported");
                    break;
                case 4: reader.ReadFloats(wire, t.FloatData); break;
                case 5: reader.ReadInt64s(wire, t.Int32Data); break;
                case 7: reader.ReadInt64s(wire, t.Int64Data); break;
                case 8 when wire == 2: t.Name = reader.ReadString(); break;
                case 9 when wire == 2: t.RawData = reader.ReadBytesRange(); break;
                case 10 when wire == 2:
                    var payload = reader.ReadBytes();
                    if (payload.Length % 8 != 0) throw new OnnxFormatException("a packed double_data field has a length that is not a multiple of 8");
                    for (var i = 0; i < payload.Length; i += 8)
                        t.DoubleData.Add(System.Buffers.Binary.BinaryPrimitives.ReadDoubleLittleEndian(payload.Slice(i, 8)));
                    break;
                case 10 when wire == 1: t.DoubleData.Add(reader.ReadFixedDouble()); break;
                case 13 when wire == 2:
                    var e = reader.ReadMessage();
                    string key = "", value = "";
                    while (e.TryReadTag(out var ef, out var ew))
                    {
                        if (ef == 1 && ew == 2) key = e.ReadString();
                        else if (ef == 2 && ew == 2) value = e.ReadString();
                        else e.Skip(ew);
                    }
                    t.ExternalData[key] = value;
                    break;
                case 14 when wire == 0: t.IsExternal = reader.ReadInt32() == 1; break;
                default: reader.Skip(wire); break;
            }
        }
        return t;
    }

    private static OnnxValueInfo ParseValueInfo(ref ProtoReader reader)
    {
        var info = new OnnxValueInfo();
        while (reader.TryReadTag(out var field, out var wire))
        {
            if (field == 1 && wire == 2)
            {
                info.Name = reader.ReadString();
            }
            else if (field == 2 && wire == 2)
            {
                // TypeProto.tensor_type=1 → TypeProto.Tensor.shape=2 → TensorShapeProto.dim=1 → dim_value=1 | dim_param=2.
                var type = reader.ReadMessage();
                while (type.TryReadTag(out var tf, out var tw))
                {
                    if (tf != 1 || tw != 2)
                    {
                        type.Skip(tw);
                        continue;
                    }
                    var tensorType = type.ReadMessage();
                    while (tensorType.TryReadTag(out var sf, out var sw))
                    {
                        if (sf == 1 && sw == 0)
                        {
                            info.ElementType = (OnnxDataType)tensorType.ReadInt32();
                            continue;
                        }
                        if (sf != 2 || sw != 2)
                        {
                            tensorType.Skip(sw);
                            continue;
                        }
                        info.HasShape = true;
                        var shape = tensorType.ReadMessage();
                        while (shape.TryReadTag(out var df, out var dw))
                        {
                            if (df != 1 || dw != 2)
                            {
                                shape.Skip(dw);
                                continue;
                            }
                            var dim = shape.ReadMessage();
                            long? value = null;
                            while (dim.TryReadTag(out var vf, out var vw))
                            {
                                if (vf == 1 && vw == 0) value = dim.ReadInt64();
                                else dim.Skip(vw);
                            }
                            info.Dims.Add(value);
                        }
                    }
                }
            }
            else
            {
                reader.Skip(wire);
            }
        }
        return info;
    }
}
