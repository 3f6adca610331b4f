using System.Collections;
using System.IO.Compression;
using System.Numerics;
using Razorvine.Pickle;
using Razorvine.Pickle.Objects;
using TorchSharp;
using static TorchSharp.torch;

namespace DeepDream.Models.TorchVision;

/// <summary>
/// Reads the zip archives that <c>torch.save</c> writes (PyTorch 1.6 and later): <c>…/data.pkl</c>, a pickle whose
/// tensors point at storages stored as <c>…/data/KEY</c> entries. The pickle is unpickled by Razorvine, which constructs
/// only plain data (dictionaries, lists, numbers) and the tensor descriptions registered here: nothing in a pickle is
/// executed. Every size the pickle declares is checked against the archive before anything is allocated: a storage's
/// element count against its entry's length, a tensor's shape, strides and offset against its storage.
/// </summary>
internal sealed class PyTorchArchive : IWeightFile
{
    /// <summary>The largest <c>data.pkl</c> read: state-dict pickles are kilobytes to a few megabytes.</summary>
    internal const long MaxPickleBytes = 64L << 20;

    /// <summary>The pickle magic number that opens a legacy (pre-1.6, non-zip) <c>torch.save</c> file.</summary>
    /// <summary>Wrapper keys of training checkpoints that hold the actual state dict.</summary>
    private static readonly string[] CheckpointKeys = ["state_dict", "model_state_dict", "model"];

    private static readonly byte[] LegacyMagic = [0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19];

    private readonly ZipArchive _archive;
    private readonly string _prefix;
    private readonly Dictionary<string, Storage> _storages = new(StringComparer.Ordinal);

    private PyTorchArchive(ZipArchive archive, string prefix)
    {
        _archive = archive;
        _prefix = prefix;
        Tensors = [];
    }

    /// <inheritdoc />
    public Dictionary<string, StoredTensor> Tensors { get; private set; }

    /// <summary>One storage of the archive: its element type and count, checked against its entry.</summary>
    internal sealed record Storage(string Key, ScalarType DType, long Count, ZipArchiveEntry Entry);

    /// <summary>Opens and indexes <paramref name="path"/> (its size already checked to be non-zero).</summary>
    /// <exception cref="InvalidDataException">The file is not a (complete) <c>torch.save</c> archive of tensors.</exception>
    public static PyTorchArchive Open(string path)
    {
        Span<byte> head = stackalloc byte[LegacyMagic.Length];
        int got;
        using (var probe = File.OpenRead(path)) got = probe.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        if (got < 4 || head[0] != 0x50 || head[1] != 0x4B || head[2] != 0x03 || head[3] != 0x04)
        {
            if (got == LegacyMagic.Length && head.SequenceEqual(LegacyMagic))
                throw new InvalidDataException("it was written in the legacy (pre-1.6) torch.save format, which is not supported; load it in PyTorch and save it again with torch.save(model.state_dict(), path)");
            throw new InvalidDataException("it is not a zip archive as torch.save writes (it may be truncated, random data, or another format)");
        }

        var stream = File.OpenRead(path);
        ZipArchive archive;
        try
        {
            archive = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: false);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
        try
        {
            var pickle = archive.Entries.FirstOrDefault(e => e.FullName == "data.pkl" || e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal))
                ?? throw new InvalidDataException("the zip archive has no data.pkl, so it was not written by torch.save");
            var result = new PyTorchArchive(archive, pickle.FullName[..^"data.pkl".Length]);
            result.Tensors = result.Index(ReadEntry(pickle, MaxPickleBytes, "data.pkl"));
            return result;
        }
        catch
        {
            archive.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public Tensor Read(StoredTensor tensor)
    {
        var storage = _storages[tensor.StorageKey];
        var size = StoredTensor.ElementSize(storage.DType);
        var extent = tensor.Extent;
        if (checked(extent * size) > StoredTensor.MaxBytes)
            throw new InvalidDataException($"a tensor of shape {StoredTensor.Describe(tensor.Shape)} spans more than 2 GiB, which is not supported");
        using var scope = NewDisposeScope();
        var flat = empty(extent, storage.DType);
        if (extent > 0)
        {
            using var stream = storage.Entry.Open();
            Skip(stream, tensor.Offset * size, storage.Key);
            var target = flat.bytes;
            if (stream.ReadAtLeast(target, target.Length, throwOnEndOfStream: false) != target.Length)
                throw new InvalidDataException($"storage '{storage.Key}' ends early (the file is truncated)");
        }
        return flat.as_strided(tensor.Shape, tensor.Stride, 0).contiguous().MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public void Dispose() => _archive.Dispose();

    private Dictionary<string, StoredTensor> Index(byte[] pickle)
    {
        object root;
        try
        {
            root = StateDictUnpickler.Load(this, pickle);
        }
        catch (Exception e) when (e is PickleException or InvalidCastException or ArgumentException or IndexOutOfRangeException
            or InvalidOperationException or OverflowException or FormatException or NotSupportedException or IOException)
        {
            throw new InvalidDataException($"its data.pkl is not a readable state-dict pickle ({Diagnostics.NativeErrors.Summary(e)})", e);
        }
        if (root is not Hashtable table) throw new InvalidDataException($"its pickle holds a {Describe(root)}, not a dictionary of tensors");
        return ToStateDict(table);
    }

    /// <summary>The state dict, unwrapping training checkpoints such as <c>{"state_dict": {...}, "epoch": 3}</c>.</summary>
    private static Dictionary<string, StoredTensor> ToStateDict(Hashtable table)
    {
        foreach (var key in CheckpointKeys)
        {
            if (table[key] is Hashtable inner && inner.Count > 0 && inner.Values.Cast<object?>().All(v => v is StoredTensor)) return ToStateDict(inner);
        }
        var result = new Dictionary<string, StoredTensor>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in table)
        {
            if (entry.Key is not string key || entry.Value is not StoredTensor tensor)
            {
                throw new InvalidDataException(
                    $"it is a pickle but not a state dict: entry '{entry.Key}' holds {Describe(entry.Value)}, not a tensor. Save the weights with torch.save(model.state_dict(), path)");
            }
            result[key] = tensor;
        }
        return result;
    }

    private static string Describe(object? value) => value switch
    {
        null => "None",
        ClassDict d => $"an object of class {d.ClassName}",
        _ => value.GetType().Name,
    };

    /// <summary>A persistent id <c>('storage', torch.FloatStorage, key, location, count)</c> → the checked storage.</summary>
    private Storage LoadStorage(object pid)
    {
        if (pid is not object[] { Length: >= 5 } id || id[0] is not "storage" || id[1] is not ClassDictConstructor type || id[2] is not string key)
            throw new InvalidDataException("its pickle refers to an object that is not a tensor storage");
        if (_storages.TryGetValue(key, out var known)) return known;
        var dtype = type.name switch
        {
            "FloatStorage" => ScalarType.Float32,
            "DoubleStorage" => ScalarType.Float64,
            "HalfStorage" => ScalarType.Float16,
            "BFloat16Storage" => ScalarType.BFloat16,
            "LongStorage" => ScalarType.Int64,
            "IntStorage" => ScalarType.Int32,
            "ShortStorage" => ScalarType.Int16,
            "CharStorage" => ScalarType.Int8,
            "ByteStorage" => ScalarType.Byte,
            "BoolStorage" => ScalarType.Bool,
            _ => throw new InvalidDataException($"storage '{key}' has type {type.module}.{type.name}, which is not supported"),
        };
        var count = ToLong(id[4], "a storage size");
        var entry = _archive.GetEntry(_prefix + "data/" + key)
            ?? throw new InvalidDataException($"storage '{key}' is missing from the archive (the file is truncated or damaged)");
        var size = StoredTensor.ElementSize(dtype);
        if (count < 0 || count > entry.Length / size || count * size != entry.Length)
            throw new InvalidDataException($"storage '{key}' declares {count} elements of {dtype}, but its archive entry holds {entry.Length} bytes ({entry.Length / size} elements)");
        if (entry.CompressedLength != entry.Length)
            throw new InvalidDataException($"storage '{key}' is compressed, which torch.save never does; it is refused rather than inflated");
        var storage = new Storage(key, dtype, count, entry);
        _storages[key] = storage;
        return storage;
    }

    /// <summary><c>_rebuild_tensor_v2(storage, offset, size, stride, ...)</c> → a checked <see cref="StoredTensor"/>.</summary>
    private static StoredTensor Rebuild(Storage storage, object[] args)
    {
        if (args.Length < 4) throw new InvalidDataException("its pickle rebuilds a tensor with too few arguments");
        var offset = ToLong(args[1], "a tensor offset");
        var shape = ToLongs(args[2], "a tensor shape");
        var stride = ToLongs(args[3], "tensor strides");
        if (shape.Length != stride.Length || stride.Any(s => s < 0) || offset < 0)
            throw new InvalidDataException($"a tensor of shape {StoredTensor.Describe(shape)} has invalid strides {StoredTensor.Describe(stride)} or offset {offset}");
        var tensor = new StoredTensor(storage.DType, shape, stride, offset, storage.Key);
        if (tensor.ElementCount > 0 && (offset > storage.Count || tensor.Extent > storage.Count - offset))
            throw new InvalidDataException(
                $"a tensor of shape {StoredTensor.Describe(shape)} at offset {offset} needs more elements than its storage '{storage.Key}' holds ({storage.Count})");
        return tensor;
    }

    private static long ToLong(object? value, string what) => value switch
    {
        int i => i,
        long l => l,
        BigInteger b when b >= long.MinValue && b <= long.MaxValue => (long)b,
        _ => throw new InvalidDataException($"its pickle gives {what} that is not a 64-bit integer"),
    };

    private static long[] ToLongs(object? value, string what) => value switch
    {
        object[] items => [.. items.Select(i => ToLong(i, what))],
        _ => throw new InvalidDataException($"its pickle gives {what} that is not a tuple of integers"),
    };

    private static byte[] ReadEntry(ZipArchiveEntry entry, long limit, string name)
    {
        if (entry.Length > limit) throw new InvalidDataException($"its {name} is {entry.Length} bytes, more than the {limit >> 20} MiB a state dict needs");
        var bytes = new byte[entry.Length];
        using var stream = entry.Open();
        if (stream.ReadAtLeast(bytes, bytes.Length, throwOnEndOfStream: false) != bytes.Length)
            throw new InvalidDataException($"its {name} ends early (the file is truncated)");
        return bytes;
    }

    private static void Skip(Stream stream, long count, string key)
    {
        Span<byte> buffer = stackalloc byte[4096];
        while (count > 0)
        {
            var n = stream.Read(buffer[..(int)Math.Min(count, buffer.Length)]);
            if (n <= 0) throw new InvalidDataException($"storage '{key}' ends early (the file is truncated)");
            count -= n;
        }
    }

    /// <summary>
    /// Razorvine's constructor table is process-wide. The constructors registered here recognise this reader's own
    /// storages; for anything else (another library's unpickler in the same process) they hand over to whatever was
    /// registered before them.
    /// </summary>
    private sealed class StateDictUnpickler(PyTorchArchive archive) : Unpickler
    {
        private static readonly Lock Registration = new();

        /// <summary>Unpickles <paramref name="pickle"/>; the in-memory overload bounds every length-prefixed value by the pickle's own size before allocating.</summary>
        public static object Load(PyTorchArchive archive, byte[] pickle)
        {
            Register(); // another library may have replaced the constructors since the last load
            using var unpickler = new StateDictUnpickler(archive);
            return unpickler.loads(pickle);
        }

        /// <summary>Puts this reader's constructors (back) in place, in front of any others.</summary>
        private static void Register()
        {
            lock (Registration)
            {
                Put("torch._utils", "_rebuild_tensor_v2", previous => new TensorConstructor(previous));
                Put("torch._utils", "_rebuild_tensor", previous => new TensorConstructor(previous));
                Put("torch._utils", "_rebuild_parameter", previous => new ParameterConstructor(previous));
                Put("collections", "OrderedDict", _ => new OrderedDictConstructor());
            }
        }

        private static void Put(string module, string name, Func<IObjectConstructor?, IObjectConstructor> create)
        {
            var previous = objectConstructors.TryGetValue(module + "." + name, out var c) ? c : null;
            if (previous is IOwnConstructor) return;
            registerConstructor(module, name, create(previous));
        }

        protected override object persistentLoad(object pid) => archive.LoadStorage(pid);
    }

    private interface IOwnConstructor : IObjectConstructor;

    private sealed class TensorConstructor(IObjectConstructor? previous) : IOwnConstructor
    {
        public object construct(object[] args) => args is [Storage storage, ..] ? Rebuild(storage, args)
            : previous?.construct(args) ?? throw new InvalidDataException("its pickle rebuilds a tensor without a storage");
    }

    private sealed class ParameterConstructor(IObjectConstructor? previous) : IOwnConstructor
    {
        // A Parameter in a state dict is its data.
        public object construct(object[] args) => args is [StoredTensor tensor, ..] ? tensor
            : previous?.construct(args) ?? throw new InvalidDataException("its pickle rebuilds a parameter without a tensor");
    }

    private sealed class OrderedDictConstructor : IOwnConstructor
    {
        public object construct(object[] args) => new OrderedDict();
    }

    /// <summary>An <c>OrderedDict</c>: a dictionary whose pickled instance state (<c>_metadata</c>) is ignored.</summary>
    private sealed class OrderedDict : Hashtable
    {
        // Called by the pickle's BUILD opcode through reflection.
#pragma warning disable IDE1006, CA1822, IDE0060
        public void __setstate__(Hashtable state) { }
#pragma warning restore IDE1006, CA1822, IDE0060
    }
}
