"""Prints the advance widths (in em) of printable ASCII in a TrueType font, for src/plot/text-width.ts.

Usage: python3 scripts/font-widths.py [/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf]
Reads the head, hhea, hmtx and cmap (format 4) tables directly; needs only the standard library."""
import struct, sys
def widths(path, chars):
    d = open(path, 'rb').read()
    n = struct.unpack('>H', d[4:6])[0]
    tables = {}
    for i in range(n):
        tag, _, off, ln = struct.unpack('>4sIII', d[12+16*i:28+16*i]); tables[tag.decode()] = off
    upem = struct.unpack('>H', d[tables['head']+18:tables['head']+20])[0]
    nh = struct.unpack('>H', d[tables['hhea']+34:tables['hhea']+36])[0]
    hm = tables['hmtx']
    adv = lambda g: struct.unpack('>H', d[hm+4*min(g, nh-1):hm+4*min(g, nh-1)+2])[0]
    c = tables['cmap']; nsub = struct.unpack('>H', d[c+2:c+4])[0]
    for i in range(nsub):
        pid, eid, off = struct.unpack('>HHI', d[c+4+8*i:c+12+8*i])
        if struct.unpack('>H', d[c+off:c+off+2])[0] == 4 and pid == 3: sub = c+off; break
    segx2 = struct.unpack('>H', d[sub+6:sub+8])[0]; seg = segx2//2
    ends = struct.unpack('>%dH'%seg, d[sub+14:sub+14+segx2]); starts = struct.unpack('>%dH'%seg, d[sub+16+segx2:sub+16+2*segx2])
    deltas = struct.unpack('>%dh'%seg, d[sub+16+2*segx2:sub+16+3*segx2]); roff_at = sub+16+3*segx2
    roffs = struct.unpack('>%dH'%seg, d[roff_at:roff_at+segx2])
    def gid(ch):
        o = ord(ch)
        for k in range(seg):
            if starts[k] <= o <= ends[k]:
                if roffs[k] == 0: return (o + deltas[k]) & 0xFFFF
                a = roff_at + 2*k + roffs[k] + 2*(o - starts[k]); g = struct.unpack('>H', d[a:a+2])[0]
                return (g + deltas[k]) & 0xFFFF if g else 0
        return 0
    return [adv(gid(ch))/upem for ch in chars]

if __name__ == '__main__':
    font = sys.argv[1] if len(sys.argv) > 1 else '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf'
    ascii = ''.join(chr(i) for i in range(32, 127))
    print(', '.join('%.3f' % w for w in widths(font, ascii)))
