using System.Text;

namespace DeepDream.Tests.Models.Onnx;

/// <summary>An initializer or tensor attribute for <see cref="OnnxTestWriter"/>.</summary>
internal sealed record TestTensor(string Name, long[] Dims, float[]? Floats = null, long[]? Longs = null, bool Raw = true,
    string? ExternalLocation = null, long ExternalOffset = 0);

/// <summary>
/// Writes small ONNX models (protobuf wire format, hand-encoded) for the importer tests: ModelProto(ir_version=1,
/// graph=7, opset_import=8), GraphProto(node=1, name=2, initializer=5, input=11, output=12), NodeProto(input=1,
/// output=2, name=3, op_type=4, attribute=5), AttributeProto(name=1, f=2, i=3, s=4, t=5, floats=7, ints=8, type=20),
/// TensorProto(dims=1, data_type=2, float_data=4, int64_data=7, name=8, raw_data=9, external_data=13, data_location=14).
/// </summary>
internal sealed class OnnxTestWriter
{
    private readonly List<byte[]> _nodes = [];
    private readonly List<byte[]> _initializers = [];
    private readonly List<byte[]> _inputs = [];
    private readonly List<byte[]> _outputs = [];

    public OnnxTestWriter(long opset = 13) => Opset = opset;

    public long Opset { get; }

    public OnnxTestWriter Input(string name, params long?[] dims)
    {
        _inputs.Add(ValueInfo(name, dims));
        return this;
    }

    public OnnxTestWriter Output(string name)
    {
        _outputs.Add(ValueInfo(name, null));
        return this;
    }

    public OnnxTestWriter Init(string name, float[] values, params long[] dims) => Init(new TestTensor(name, dims, Floats: values));

    public OnnxTestWriter InitLongs(string name, long[] values, params long[] dims) => Init(new TestTensor(name, dims, Longs: values));

    public OnnxTestWriter Init(TestTensor t)
    {
        _initializers.Add(Tensor(t));
        return this;
    }

    /// <summary>Adds a node; attribute values: long, float, string, long[], float[] or <see cref="TestTensor"/>.</summary>
    public OnnxTestWriter Node(string opType, string[] inputs, string[] outputs, string? name = null, params (string Name, object Value)[] attributes) =>
        DomainNode("", opType, inputs, outputs, name, attributes);

    /// <summary>Adds a node of operator domain <paramref name="domain"/> (NodeProto field 7).</summary>
    public OnnxTestWriter DomainNode(string domain, string opType, string[] inputs, string[] outputs, string? name = null, params (string Name, object Value)[] attributes)
    {
        var w = new Writer();
        foreach (var i in inputs) w.String(1, i);
        foreach (var o in outputs) w.String(2, o);
        w.String(3, name ?? $"{opType}_{_nodes.Count}");
        w.String(4, opType);
        foreach (var (n, v) in attributes) w.Bytes(5, Attribute(n, v));
        if (domain.Length > 0) w.String(7, domain);
        _nodes.Add(w.ToArray());
        return this;
    }

    public byte[] ToBytes()
    {
        var g = new Writer();
        foreach (var n in _nodes) g.Bytes(1, n);
        g.String(2, "test");
        foreach (var i in _initializers) g.Bytes(5, i);
        foreach (var i in _inputs) g.Bytes(11, i);
        foreach (var o in _outputs) g.Bytes(12, o);
        var opset = new Writer();
        opset.String(1, "");
        opset.Varint(2, (ulong)Opset);
        var m = new Writer();
        m.Varint(1, 7);
        m.String(2, "deepdream-tests");
        m.Bytes(7, g.ToArray());
        m.Bytes(8, opset.ToArray());
        return m.ToArray();
    }

    /// <summary>Writes the model to a fresh temporary folder and returns the file path.</summary>
    public string Save(string fileName = "model.onnx")
    {
        var dir = Path.Combine(Path.GetTempPath(), "deepdream-onnx-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, fileName);
        File.WriteAllBytes(path, ToBytes());
        return path;
    }

    private static byte[] ValueInfo(string name, long?[]? dims)
    {
        var w = new Writer();
        w.String(1, name);
        if (dims is not null)
        {
            var shape = new Writer();
            foreach (var d in dims)
            {
                var dim = new Writer();
                if (d is { } v) dim.Varint(1, (ulong)v);
                else dim.String(2, "dynamic");
                shape.Bytes(1, dim.ToArray());
            }
            var tensorType = new Writer();
            tensorType.Varint(1, 1);
            tensorType.Bytes(2, shape.ToArray());
            var type = new Writer();
            type.Bytes(1, tensorType.ToArray());
            w.Bytes(2, type.ToArray());
        }
        return w.ToArray();
    }

    private static byte[] Attribute(string name, object value)
    {
        var w = new Writer();
        w.String(1, name);
        switch (value)
        {
            case float f:
                w.Fixed32(2, f);
                w.Varint(20, 1);
                break;
            case long i:
                w.Varint(3, (ulong)i);
                w.Varint(20, 2);
                break;
            case int i:
                w.Varint(3, (ulong)(long)i);
                w.Varint(20, 2);
                break;
            case string s:
                w.String(4, s);
                w.Varint(20, 3);
                break;
            case TestTensor t:
                w.Bytes(5, Tensor(t));
                w.Varint(20, 4);
                break;
            case float[] fs:
                foreach (var f in fs) w.Fixed32(7, f);
                w.Varint(20, 6);
                break;
            case long[] ints:
                var packed = new Writer();
                foreach (var i in ints) packed.RawVarint((ulong)i);
                w.Bytes(8, packed.ToArray());
                w.Varint(20, 7);
                break;
            default:
                throw new ArgumentException($"unsupported attribute value {value.GetType()}");
        }
        return w.ToArray();
    }

    private static byte[] Tensor(TestTensor t)
    {
        var w = new Writer();
        foreach (var d in t.Dims) w.Varint(1, (ulong)d);
        w.Varint(2, t.Longs is not null ? 7UL : 1UL);
        w.String(8, t.Name);
        if (t.ExternalLocation is not null)
        {
            void Entry(string k, string v)
            {
                var e = new Writer();
                e.String(1, k);
                e.String(2, v);
                w.Bytes(13, e.ToArray());
            }
            Entry("location", t.ExternalLocation);
            Entry("offset", t.ExternalOffset.ToString(System.Globalization.CultureInfo.InvariantCulture));
            w.Varint(14, 1);
        }
        else if (t.Longs is not null)
        {
            if (t.Raw)
            {
                w.Bytes(9, t.Longs.SelectMany(BitConverter.GetBytes).ToArray());
            }
            else
            {
                var packed = new Writer();
                foreach (var v in t.Longs) packed.RawVarint((ulong)v);
                w.Bytes(7, packed.ToArray());
            }
        }
        else
        {
            var bytes = t.Floats!.SelectMany(BitConverter.GetBytes).ToArray();
            w.Bytes(t.Raw ? 9 : 4, bytes);
        }
        return w.ToArray();
    }

    private sealed class Writer
    {
        private readonly MemoryStream _stream = new();

        public void RawVarint(ulong v)
        {
            while (v >= 0x80)
            {
                _stream.WriteByte((byte)(v | 0x80));
                v >>= 7;
            }
            _stream.WriteByte((byte)v);
        }

        public void Varint(int field, ulong v)
        {
            RawVarint((ulong)field << 3);
            RawVarint(v);
        }

        public void Fixed32(int field, float f)
        {
            RawVarint(((ulong)field << 3) | 5);
            _stream.Write(BitConverter.GetBytes(f));
        }

        public void Bytes(int field, byte[] bytes)
        {
            RawVarint(((ulong)field << 3) | 2);
            RawVarint((ulong)bytes.Length);
            _stream.Write(bytes);
        }

        public void String(int field, string s) => Bytes(field, Encoding.UTF8.GetBytes(s));

        public byte[] ToArray() => _stream.ToArray();
    }
}
