using System.Buffers.Binary;
using System.Text;

namespace DeepDream.Models.Onnx;

/// <summary>The protobuf data is malformed: truncated, or a field has an impossible wire type or length.</summary>
internal sealed class OnnxFormatException : Exception
{
    public OnnxFormatException(string message) : base(message) { }
    public OnnxFormatException() { }
    public OnnxFormatException(string message, Exception innerException) : base(message, innerException) { }
}

/// <summary>
/// A minimal forward-only protobuf wire-format reader over a span (no copies): varints, fixed 32/64-bit values and
/// length-delimited fields, which is all the ONNX messages need. Every read is bounds-checked.
/// </summary>
internal ref struct ProtoReader
{
    private readonly ReadOnlySpan<byte> _data;
    private readonly long _baseOffset;
    private int _position;

    /// <summary>Creates a reader over <paramref name="data"/>, which starts at <paramref name="baseOffset"/> of the whole buffer.</summary>
    public ProtoReader(ReadOnlySpan<byte> data, long baseOffset = 0)
    {
        _data = data;
        _baseOffset = baseOffset;
        _position = 0;
    }

    public readonly bool End => _position >= _data.Length;

    /// <summary>Reads the next tag; returns false at the end of the message.</summary>
    public bool TryReadTag(out int field, out int wireType)
    {
        if (End)
        {
            field = 0;
            wireType = 0;
            return false;
        }
        var tag = ReadVarint();
        field = (int)(tag >> 3);
        wireType = (int)(tag & 7);
        if (field <= 0) throw new OnnxFormatException($"invalid protobuf field number 0 at byte {_position}");
        if (wireType is 3 or 4 or 6 or 7) throw new OnnxFormatException($"the data is not in protobuf format (invalid wire type {wireType} for field {field} at byte {_position})");
        return true;
    }

    public ulong ReadVarint()
    {
        ulong result = 0;
        for (var shift = 0; shift < 70; shift += 7)
        {
            if (_position >= _data.Length) throw new OnnxFormatException("the data ends inside a varint (file truncated)");
            var b = _data[_position++];
            result |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return result;
        }
        throw new OnnxFormatException($"malformed varint at byte {_position}");
    }

    public long ReadInt64() => unchecked((long)ReadVarint());

    public int ReadInt32() => unchecked((int)ReadVarint());

    public float ReadFixedFloat() => BinaryPrimitives.ReadSingleLittleEndian(Take(4));

    public double ReadFixedDouble() => BinaryPrimitives.ReadDoubleLittleEndian(Take(8));

    /// <summary>Reads a length-delimited payload as a slice of the underlying data.</summary>
    public ReadOnlySpan<byte> ReadBytes()
    {
        var length = ReadVarint();
        if (length > (ulong)(_data.Length - _position))
            throw new OnnxFormatException($"a field of {length} bytes at byte {_position} runs past the end of the data (file truncated)");
        return Take((int)length);
    }

    /// <summary>Reads a length-delimited field and returns its position in the whole buffer (absolute offset, length).</summary>
    public (long Offset, int Length) ReadBytesRange()
    {
        var payload = ReadBytes();
        return (_baseOffset + _position - payload.Length, payload.Length);
    }

    /// <summary>Reads a length-delimited field as a nested message reader.</summary>
    public ProtoReader ReadMessage()
    {
        var payload = ReadBytes();
        return new ProtoReader(payload, _baseOffset + _position - payload.Length);
    }

    public string ReadString() => Encoding.UTF8.GetString(ReadBytes());

    public void Skip(int wireType)
    {
        switch (wireType)
        {
            case 0: ReadVarint(); break;
            case 1: Take(8); break;
            case 2: ReadBytes(); break;
            case 5: Take(4); break;
            default: throw new OnnxFormatException($"unsupported protobuf wire type {wireType}");
        }
    }

    /// <summary>Reads a repeated int64 field element or packed run into <paramref name="target"/>.</summary>
    public void ReadInt64s(int wireType, List<long> target)
    {
        if (wireType == 2)
        {
            var inner = new ProtoReader(ReadBytes());
            while (!inner.End) target.Add(inner.ReadInt64());
        }
        else if (wireType == 0)
        {
            target.Add(ReadInt64());
        }
        else
        {
            throw new OnnxFormatException($"an integer list has wire type {wireType}");
        }
    }

    /// <summary>Reads a repeated float field element or packed run into <paramref name="target"/>.</summary>
    public void ReadFloats(int wireType, List<float> target)
    {
        if (wireType == 2)
        {
            var payload = ReadBytes();
            if (payload.Length % 4 != 0) throw new OnnxFormatException("a packed float list has a length that is not a multiple of 4");
            for (var i = 0; i < payload.Length; i += 4) target.Add(BinaryPrimitives.ReadSingleLittleEndian(payload.Slice(i, 4)));
        }
        else if (wireType == 5)
        {
            target.Add(ReadFixedFloat());
        }
        else
        {
            throw new OnnxFormatException($"a float list has wire type {wireType}");
        }
    }

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count > _data.Length - _position) throw new OnnxFormatException("the data ends inside a field (file truncated)");
        var slice = _data.Slice(_position, count);
        _position += count;
        return slice;
    }
}
