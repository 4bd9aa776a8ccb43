print("inetlab")
