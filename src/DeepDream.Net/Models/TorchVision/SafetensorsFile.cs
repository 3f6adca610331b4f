using System.Buffers.Binary;
using System.Text.Json;
using static TorchSharp.torch;

namespace DeepDream.Models.TorchVision;

/// <summary>
/// Reads <c>.safetensors</c> files: an 8-byte little-endian header length, a JSON header mapping each key to its
/// <c>dtype</c>, <c>shape</c> and <c>data_offsets</c> in the data section, then the data. The header length is checked
/// against the file's size (and safetensors' own 100 MB limit) before the header is read, and every tensor's byte range
/// against the data section and its shape before anything is allocated.
/// </summary>
internal sealed class SafetensorsFile : IWeightFile
{
    /// <summary>The largest header, as in the reference implementation (100,000,000 bytes).</summary>
    internal const long MaxHeaderBytes = 100_000_000;

    private readonly FileStream _stream;
    private readonly long _dataStart;
    private readonly Dictionary<string, (long Begin, long End)> _ranges = new(StringComparer.Ordinal);

    private SafetensorsFile(FileStream stream, long dataStart)
    {
        _stream = stream;
        _dataStart = dataStart;
    }

    /// <inheritdoc />
    public Dictionary<string, StoredTensor> Tensors { get; } = new(StringComparer.Ordinal);

    /// <summary>Opens and indexes <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">The header is missing, too long for the file, not JSON, or describes data the file does not hold.</exception>
    public static SafetensorsFile Open(string path)
    {
        var stream = File.OpenRead(path);
        try
        {
            var file = new SafetensorsFile(stream, Index(stream, out var header));
            file.Load(header);
            return file;
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public Tensor Read(StoredTensor tensor)
    {
        var (begin, end) = _ranges[tensor.StorageKey];
        if (end - begin > StoredTensor.MaxBytes) throw new InvalidDataException($"tensor '{tensor.StorageKey}' is larger than 2 GiB, which is not supported");
        var result = empty(tensor.Shape, tensor.DType);
        try
        {
            var target = result.bytes;
            _stream.Position = _dataStart + begin;
            if (_stream.ReadAtLeast(target, target.Length, throwOnEndOfStream: false) != target.Length)
                throw new InvalidDataException($"tensor '{tensor.StorageKey}' ends early (the file is truncated)");
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public void Dispose() => _stream.Dispose();

    private static long Index(FileStream stream, out byte[] header)
    {
        Span<byte> prefix = stackalloc byte[8];
        if (stream.ReadAtLeast(prefix, 8, throwOnEndOfStream: false) != 8)
            throw new InvalidDataException("it is shorter than the 8-byte header length every safetensors file starts with");
        var length = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        var available = stream.Length - 8;
        if (length > (ulong)available)
            throw new InvalidDataException($"its header length ({length} bytes) is larger than the rest of the file ({available} bytes); the file is truncated or not safetensors");
        if (length > MaxHeaderBytes)
            throw new InvalidDataException($"its header length ({length} bytes) is above the safetensors limit of {MaxHeaderBytes} bytes");
        header = new byte[length];
        if (stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false) != header.Length)
            throw new InvalidDataException("the file ends inside its header (file truncated)");
        return 8 + (long)length;
    }

    private void Load(byte[] header)
    {
        var dataLength = _stream.Length - _dataStart;
        JsonDocument json;
        try
        {
            json = JsonDocument.Parse(header, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"its header is not valid JSON ({e.Message})", e);
        }
        using (json)
        {
            if (json.RootElement.ValueKind != JsonValueKind.Object) throw new InvalidDataException("its header is not a JSON object");
            foreach (var property in json.RootElement.EnumerateObject())
            {
                if (property.Name == "__metadata__") continue;
                var (tensor, begin, end) = Entry(property.Name, property.Value);
                if (end > dataLength)
                    throw new InvalidDataException($"tensor '{property.Name}' lies at bytes {begin}..{end} of a data section of only {dataLength} bytes (file truncated)");
                Tensors[property.Name] = tensor;
                _ranges[property.Name] = (begin, end);
            }
        }
    }

    private static (StoredTensor Tensor, long Begin, long End) Entry(string key, JsonElement value)
    {
        try
        {
            var dtype = value.GetProperty("dtype").GetString() switch
            {
                "F64" => ScalarType.Float64,
                "F32" => ScalarType.Float32,
                "F16" => ScalarType.Float16,
                "BF16" => ScalarType.BFloat16,
                "I64" => ScalarType.Int64,
                "I32" => ScalarType.Int32,
                "I16" => ScalarType.Int16,
                "I8" => ScalarType.Int8,
                "U8" => ScalarType.Byte,
                "BOOL" => ScalarType.Bool,
                var other => throw new InvalidDataException($"tensor '{key}' has dtype '{other}', which is not supported"),
            };
            var shape = value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray();
            var offsets = value.GetProperty("data_offsets").EnumerateArray().Select(d => d.GetInt64()).ToArray();
            // Row-major strides (saturating: a shape that overflows is refused by StoredTensor just below).
            var strides = new long[shape.Length];
            long stride = 1;
            for (var i = shape.Length - 1; i >= 0; i--)
            {
                strides[i] = stride;
                var d = Math.Max(1, shape[i]);
                stride = stride > long.MaxValue / d ? long.MaxValue : stride * d;
            }
            var tensor = new StoredTensor(dtype, shape, strides, 0, key);
            if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] < offsets[0])
                throw new InvalidDataException($"tensor '{key}' has invalid data_offsets");
            var bytes = tensor.ElementCount * StoredTensor.ElementSize(dtype);
            if (offsets[1] - offsets[0] != bytes)
                throw new InvalidDataException($"tensor '{key}' of shape {StoredTensor.Describe(shape)} needs {bytes} bytes but data_offsets give {offsets[1] - offsets[0]}");
            return (tensor, offsets[0], offsets[1]);
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"tensor '{key}' in the header lacks a valid dtype, shape or data_offsets", e);
        }
    }
}
