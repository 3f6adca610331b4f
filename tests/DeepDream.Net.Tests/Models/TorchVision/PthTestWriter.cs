using System.IO.Compression;
using System.Text;

namespace DeepDream.Tests.Models.TorchVision;

/// <summary>One tensor of a hand-made <c>.pth</c>: its storage (element count as declared, bytes as stored) and view.</summary>
internal sealed record PthTensor(string Key, long[] Shape, long[] Stride, long Offset, string StorageKey, long DeclaredCount,
    byte[] StorageBytes, string StorageType = "FloatStorage");

/// <summary>
/// Writes <c>torch.save</c>-style zip archives with a hand-encoded protocol-2 pickle, the same opcodes PyTorch 2.6 writes
/// for a state dict: <c>{key: _rebuild_tensor_v2(persistent('storage', torch.FloatStorage, key, 'cpu', count), offset,
/// shape, stride, False, OrderedDict())}</c>, storages as uncompressed <c>archive/data/KEY</c> entries.
/// </summary>
internal static class PthTestWriter
{
    public static string Save(string folder, IEnumerable<PthTensor> tensors, CompressionLevel storageCompression = CompressionLevel.NoCompression)
    {
        var list = tensors.ToList();
        var pickle = new Pickle();
        pickle.Op(0x80).Op(2).Op((byte)'}').Op((byte)'(');
        foreach (var t in list)
        {
            pickle.Text(t.Key).Global("torch._utils", "_rebuild_tensor_v2").Op((byte)'(');
            pickle.Op((byte)'(').Text("storage").Global("torch", t.StorageType).Text(t.StorageKey).Text("cpu").Int(t.DeclaredCount).Op((byte)'t').Op((byte)'Q');
            pickle.Int(t.Offset).Tuple(t.Shape).Tuple(t.Stride).Op(0x89);
            pickle.Global("collections", "OrderedDict").Op((byte)')').Op((byte)'R');
            pickle.Op((byte)'t').Op((byte)'R');
        }
        pickle.Op((byte)'u').Op((byte)'.');
        return SaveRaw(folder, pickle.ToArray(), list.DistinctBy(t => t.StorageKey).Select(t => (t.StorageKey, t.StorageBytes)), storageCompression);
    }

    /// <summary>Writes an archive with the given <c>data.pkl</c> bytes and storages.</summary>
    public static string SaveRaw(string folder, byte[] pickle, IEnumerable<(string Key, byte[] Bytes)> storages,
        CompressionLevel storageCompression = CompressionLevel.NoCompression)
    {
        var path = Path.Combine(folder, "weights.pth");
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        Write(zip, "archive/data.pkl", pickle, CompressionLevel.NoCompression);
        foreach (var (key, bytes) in storages) Write(zip, "archive/data/" + key, bytes, storageCompression);
        Write(zip, "archive/version", "3\n"u8.ToArray(), CompressionLevel.NoCompression);
        return path;
    }

    public static byte[] Floats(params float[] values) => [.. values.SelectMany(BitConverter.GetBytes)];

    private static void Write(ZipArchive zip, string name, byte[] bytes, CompressionLevel level)
    {
        using var stream = zip.CreateEntry(name, level).Open();
        stream.Write(bytes);
    }

    /// <summary>A few pickle opcodes.</summary>
    internal sealed class Pickle
    {
        private readonly List<byte> _bytes = [];

        public Pickle Op(byte op)
        {
            _bytes.Add(op);
            return this;
        }

        /// <summary>BINUNICODE.</summary>
        public Pickle Text(string s)
        {
            var utf8 = Encoding.UTF8.GetBytes(s);
            _bytes.Add((byte)'X');
            _bytes.AddRange(BitConverter.GetBytes(utf8.Length));
            _bytes.AddRange(utf8);
            return this;
        }

        /// <summary>GLOBAL module\nname\n.</summary>
        public Pickle Global(string module, string name)
        {
            _bytes.Add((byte)'c');
            _bytes.AddRange(Encoding.ASCII.GetBytes($"{module}\n{name}\n"));
            return this;
        }

        /// <summary>BININT for 32-bit values, LONG1 (8 little-endian bytes) beyond.</summary>
        public Pickle Int(long v)
        {
            if (v is >= int.MinValue and <= int.MaxValue)
            {
                _bytes.Add((byte)'J');
                _bytes.AddRange(BitConverter.GetBytes((int)v));
            }
            else
            {
                _bytes.Add(0x8A);
                _bytes.Add(8);
                _bytes.AddRange(BitConverter.GetBytes(v));
            }
            return this;
        }

        public Pickle Tuple(long[] values)
        {
            _bytes.Add((byte)'(');
            foreach (var v in values) Int(v);
            _bytes.Add((byte)'t');
            return this;
        }

        public byte[] ToArray() => [.. _bytes];
    }
}
