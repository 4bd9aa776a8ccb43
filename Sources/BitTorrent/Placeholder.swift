public enum BitTorrentPlaceholder {}
