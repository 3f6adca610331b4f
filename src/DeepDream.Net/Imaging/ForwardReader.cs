namespace DeepDream.Imaging;

/// <summary>A forward-only buffered reader over a stream, for walking file structures without decoding them.</summary>
internal sealed class ForwardReader
{
    private readonly Stream _stream;
    private readonly byte[] _buffer;
    private long _base; // stream bytes before the buffer's first byte
    private int _position;
    private int _count;

    public ForwardReader(Stream stream)
    {
        _stream = stream;
        _buffer = new byte[64 * 1024];
        _position = 0;
        _count = 0;
    }

    /// <summary>How many bytes have been read or skipped so far.</summary>
    public long Consumed => _base + _position;

    private bool Fill()
    {
        _base += _count;
        _count = _stream.Read(_buffer, 0, _buffer.Length);
        _position = 0;
        return _count > 0;
    }

    /// <summary>Returns the next byte, or -1 at the end of the stream.</summary>
    public int ReadByte()
    {
        if (_position >= _count && !Fill()) return -1;
        return _buffer[_position++];
    }

    /// <summary>Fills <paramref name="target"/>; false when the stream ends first.</summary>
    public bool Read(Span<byte> target)
    {
        int done = 0;
        while (done < target.Length)
        {
            if (_position >= _count && !Fill()) return false;
            int n = Math.Min(target.Length - done, _count - _position);
            _buffer.AsSpan(_position, n).CopyTo(target[done..]);
            _position += n;
            done += n;
        }

        return true;
    }

    /// <summary>Skips <paramref name="length"/> bytes; false when the stream ends first.</summary>
    public bool Skip(long length)
    {
        long inBuffer = _count - _position;
        if (length <= inBuffer)
        {
            _position += (int)length;
            return true;
        }

        length -= inBuffer;
        _position = _count;
        if (_stream.CanSeek)
        {
            _base += _count;
            _count = 0;
            _position = 0;
            long remaining = _stream.Length - _stream.Position;
            if (length > remaining)
            {
                _base += remaining;
                _stream.Seek(0, SeekOrigin.End);
                return false;
            }

            _base += length;
            _stream.Seek(length, SeekOrigin.Current);
            return true;
        }

        while (length > 0)
        {
            if (!Fill()) return false;
            int n = (int)Math.Min(length, _count);
            _position = n;
            length -= n;
        }

        return true;
    }

    /// <summary>Advances to the next occurrence of <paramref name="value"/> without consuming it; false at the end.</summary>
    public bool SkipTo(byte value)
    {
        while (true)
        {
            if (_position >= _count && !Fill()) return false;
            int index = _buffer.AsSpan(_position, _count - _position).IndexOf(value);
            if (index >= 0)
            {
                _position += index;
                return true;
            }

            _position = _count;
        }
    }
}
